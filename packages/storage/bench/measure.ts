import { Bench, type FnOptions } from 'tinybench'

/** One comparison: the library's way against the baseline it must stay close to, measured in one run. */
export interface Comparison {
  /** What is measured, e.g. "point select by primary key". */
  readonly name: string
  /** The library's way. */
  readonly subject: Measured
  /** The raw driver or peer library doing the same work. */
  readonly baseline: Measured
  /** The ratio subject/baseline must not exceed, when the design sets a target. */
  readonly target?: number
}

/** A function to time, with optional per-iteration setup that is not timed. */
export interface Measured {
  readonly label: string
  readonly run: () => unknown
  readonly beforeEach?: () => unknown
}

/** A measured comparison: mean latencies in milliseconds and their ratio. */
export interface ComparisonResult {
  readonly name: string
  readonly subject: string
  readonly baseline: string
  readonly subjectMs: number
  readonly baselineMs: number
  readonly ratio: number
  readonly target: number | undefined
  readonly met: boolean | undefined
}

/** One browser benchmark's result: the median of its rounds and how it was measured. */
export interface BenchResult {
  name: string
  subject: string
  median: number
  unit: string
  rounds: number
}

/** Rows per second inserting `batchSize` rows at a time, by the adapter and by raw better-sqlite3. */
export interface InsertThroughput {
  readonly batchSize: number
  readonly adapterRowsPerSecond: number
  readonly rawRowsPerSecond: number
}

/** One way of inserting 10,000 rows on D1: a line of the d1 result table. */
export interface D1BenchRow {
  name: string
  /** Median time of one 10,000-row insert, in milliseconds. */
  ms: number
  /** `ms` divided by the hand-written batch's `ms`. */
  ratio: number
  /** Statements D1 ran for one insert. */
  statements: number
  /** Calls that crossed to D1 for one insert. */
  roundTrips: number
}

/** Rows per second inserting `rows` rows in one call, by the adapter and by a hand-written batch. */
export interface D1InsertThroughput {
  readonly rows: number
  readonly adapterRowsPerSecond: number
  readonly byHandRowsPerSecond: number
}

/** Everything one `pnpm bench` run measured; the browser part is absent, with a reason, when no Chromium was found. */
export interface BenchmarkRun {
  readonly sqlite: readonly ComparisonResult[]
  readonly sqliteInsertScaling: readonly InsertThroughput[]
  readonly d1: readonly D1BenchRow[]
  readonly d1InsertScaling: readonly D1InsertThroughput[]
  readonly browser: readonly BenchResult[] | { readonly skipped: string }
  /** The local-storage density benchmark in Chromium, absent with a reason when no Chromium was found. */
  readonly localStorage: readonly BenchResult[] | { readonly skipped: string }
  /** Sync: initial pull, a 1,000-mutation push and an idle round trip, per server. */
  readonly sync: readonly SyncBenchRow[]
  /** Sync's initial pull into a client in Chromium, absent with a reason when no Chromium was found. */
  readonly syncChromium: readonly ChromiumSyncPullRow[] | { readonly skipped: string }
  /** Package versions measured, by package name. */
  readonly versions: Readonly<Record<string, string>>
}

/** One server's sync figures (see sync.bench.ts). */
export interface SyncBenchRow {
  readonly server: string
  readonly initialPullMs: number
  readonly push1000Ms: number
  readonly push1000Requests: number
  readonly serverMsPerMutation: number
  readonly idleRoundTripMs: number
  readonly idleRequests: number
  readonly idleServerWrites: number
}

/** The initial pull of 10,000 items into an empty IndexedDB client in Chromium, against one server. */
export interface ChromiumSyncPullRow {
  readonly server: string
  /** The first pull of the page: code not optimised yet. */
  readonly coldPullMs: number
  /** The median of the pulls after it, each into a new client database. */
  readonly medianPullMs: number
  /** The server's share of those pulls (reading its tables and writing the answer). */
  readonly medianServerMs: number
  /** The size of the server's answer. */
  readonly responseBytes: number
  /** How many pulls the median is of. */
  readonly pulls: number
}

/**
 * Times each comparison's subject and baseline in the same run, interleaved so that machine
 * noise hits both alike, and returns their ratio.
 */
export async function compare(comparisons: readonly Comparison[], time = 1000): Promise<ComparisonResult[]> {
  const results: ComparisonResult[] = []
  for (const comparison of comparisons) {
    const bench = new Bench({ time, warmup: true } as ConstructorParameters<typeof Bench>[0])
    for (const measured of [comparison.baseline, comparison.subject]) {
      const options: FnOptions = measured.beforeEach
        ? { beforeEach: async () => void (await measured.beforeEach?.()) }
        : {}
      // Passed as is: a synchronous baseline must not pay for an async wrapper it does not need.
      bench.add(measured.label, measured.run as () => void, options)
    }
    await bench.run()
    const [baselineMs, subjectMs] = bench.tasks.map((task) => {
      const result = task.result
      if (result.state !== 'completed') throw new Error(`${task.name} did not complete: ${result.state}`)
      return result.latency.mean
    }) as [number, number]
    const ratio = subjectMs / baselineMs
    results.push({
      name: comparison.name,
      subject: comparison.subject.label,
      baseline: comparison.baseline.label,
      subjectMs,
      baselineMs,
      ratio,
      target: comparison.target,
      met: comparison.target === undefined ? undefined : ratio <= comparison.target,
    })
  }
  return results
}

/** Prints results as a fixed-width table. */
export function printResults(title: string, results: readonly ComparisonResult[]): void {
  console.log(`\n${title}`)
  console.table(
    results.map((result) => ({
      benchmark: result.name,
      subject: result.subject,
      baseline: result.baseline,
      'subject ms': result.subjectMs.toFixed(4),
      'baseline ms': result.baselineMs.toFixed(4),
      ratio: `${result.ratio.toFixed(2)}×`,
      target: result.target === undefined ? '' : `≤ ${result.target}×`,
      met: result.met === undefined ? '' : result.met ? 'yes' : 'NO',
    })),
  )
}
