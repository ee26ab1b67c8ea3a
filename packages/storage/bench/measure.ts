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
