// Inserting 10,000 rows × 4 columns on D1: the adapter's one `insertInto().values(rows)` against
// a hand-written optimal `D1Database.batch()` of multi-row prepared inserts, in one run. Both run
// inside workerd (Miniflare's real D1), one request per insert. Run alone with
// `npx tsx bench/d1.bench.ts`.
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bundleWorker } from '@inventory/testing/worker-bundle'
import { Miniflare } from 'miniflare'
import { Bench } from 'tinybench'
import type { D1BenchRow, D1InsertThroughput } from './measure.js'

interface InsertReport {
  statements: number
  roundTrips: number
  stored: { count: number }
}

const ROWS = 10_000

/**
 * Runs the benchmark on a fresh Miniflare D1 and returns one row per way of inserting.
 *
 * @param iterations - timed inserts per way, after one warm-up insert each
 */
export async function runD1Benchmark(iterations = 30): Promise<D1BenchRow[]> {
  const { request, dispose } = await startBenchWorker()
  try {
    await request('/setup')
    const ways = [
      { name: 'adapter: insertInto().values(10,000 rows)', path: '/adapter' },
      { name: 'adapter: insertMany(10,000 rows)', path: '/insert-many' },
      { name: 'hand-written: one D1Database.batch() of 25-row inserts', path: '/by-hand' },
    ]
    const counts = new Map<string, InsertReport>()
    for (const way of ways) {
      await request('/empty')
      const report = await request(way.path)
      if (report.stored.count !== ROWS)
        throw new Error(`${way.name} stored ${report.stored.count} rows instead of ${ROWS}`)
      counts.set(way.name, report)
    }

    const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 })
    for (const way of ways) {
      bench.add(way.name, () => request(way.path), {
        async: true,
        beforeEach: async () => {
          await request('/empty')
        },
      })
    }
    await bench.run()

    const median = (name: string) => {
      const result = bench.getTask(name)?.result
      if (result?.state !== 'completed') throw new Error(`${name} did not complete: ${describe(result)}`)
      return result.latency.p50
    }
    const baseline = median(ways[ways.length - 1]?.name ?? '')
    return ways.map((way) => ({
      name: way.name,
      ms: Math.round(median(way.name)),
      ratio: Number((median(way.name) / baseline).toFixed(2)),
      statements: counts.get(way.name)?.statements ?? 0,
      roundTrips: counts.get(way.name)?.roundTrips ?? 0,
    }))
  } finally {
    await dispose()
  }
}

/**
 * How insert throughput on D1 grows with the number of rows inserted in one call: the adapter's
 * one multi-row insert against the hand-written batch, each into an emptied table, median of the rounds.
 */
export async function runD1InsertScaling(
  rowCounts = [10, 100, 1_000, 10_000],
  rounds = 5,
): Promise<D1InsertThroughput[]> {
  const { request, dispose } = await startBenchWorker()
  try {
    await request('/setup')
    const results: D1InsertThroughput[] = []
    for (const rows of rowCounts) {
      const times = { adapter: [] as number[], byHand: [] as number[] }
      for (let round = 0; round < rounds; round++) {
        for (const [way, path] of [
          ['adapter', '/adapter'],
          ['byHand', '/by-hand'],
        ] as const) {
          await request('/empty')
          const start = performance.now()
          await request(`${path}?rows=${rows}`)
          times[way].push(performance.now() - start)
        }
      }
      results.push({
        rows,
        adapterRowsPerSecond: (rows / medianOf(times.adapter)) * 1000,
        byHandRowsPerSecond: (rows / medianOf(times.byHand)) * 1000,
      })
    }
    return results
  } finally {
    await dispose()
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Bundles the bench Worker and starts it in Miniflare, with a fresh D1. */
async function startBenchWorker(): Promise<{
  request: (path: string) => Promise<InsertReport>
  dispose: () => Promise<void>
}> {
  const miniflare = new Miniflare({
    modules: true,
    script: await bundleWorker(fileURLToPath(new URL('./d1-bench-worker.ts', import.meta.url))),
    compatibilityDate: '2026-04-01',
    d1Databases: ['DB'],
  })
  const request = async (path: string): Promise<InsertReport> => {
    const response = await miniflare.dispatchFetch(`http://bench.test${path}`)
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as InsertReport
  }
  return { request, dispose: () => miniflare.dispose() }
}

function describe(result: unknown): string {
  return JSON.stringify(result, (_key, value) => (value instanceof Error ? value.message : value))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await runD1Benchmark())
}
