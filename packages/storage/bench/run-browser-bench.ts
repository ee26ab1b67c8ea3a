/**
 * Runs a browser benchmark page in Chromium (served by Vite): `indexeddb.bench.ts` (page
 * `index.html`) or `local-storage.bench.ts` (page `local-storage.html`). `CHROMIUM_PATH` selects a
 * system Chromium, as for `pnpm test:browser`. Run alone, it prints the results as a table; pass
 * `local-storage` as argument for that adapter's page, or the names of the IndexedDB benchmarks to
 * run only those (`pnpm bench:browser strict-commit open`).
 */
import { pathToFileURL } from 'node:url'
import { startPageServer } from '../test/e2e/page-server.js'
import type { BenchResult } from './measure.js'

/** The benchmark pages, by adapter. */
const pages = { indexeddb: 'index.html', 'local-storage': 'local-storage.html' } as const

/** Opens an adapter's benchmark page in Chromium and returns what it measured, and in which Chromium. */
export async function runBrowserBenchmarks(
  adapter: keyof typeof pages = 'indexeddb',
  names?: readonly string[],
): Promise<{ results: BenchResult[]; chromium: string }> {
  const server = await startPageServer(new URL('.', import.meta.url))
  try {
    const page = await server.browser.newPage()
    page.on('pageerror', (error) => console.error(error))
    await page.goto(`${server.url}/${pages[adapter]}`)
    await page.waitForFunction(() => 'runBenchmarks' in globalThis)
    const results = await page.evaluate(
      (selected) =>
        (
          globalThis as unknown as { runBenchmarks: (names?: readonly string[]) => Promise<BenchResult[]> }
        ).runBenchmarks(selected),
      names,
    )
    return { results, chromium: server.browser.version() }
  } finally {
    await server.close()
  }
}

/** The one-row commit cost in a database of `megabytes`, from the results. */
export function commitMedian(results: readonly BenchResult[], megabytes: number): number | undefined {
  return results.find((result) => result.name.startsWith(`one-row commit into ${megabytes} MB`))?.median
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [first, ...rest] = process.argv.slice(2)
  const adapter = first === 'local-storage' ? 'local-storage' : 'indexeddb'
  const names = first === 'local-storage' || first === 'indexeddb' ? rest : process.argv.slice(2)
  const { results } = await runBrowserBenchmarks(adapter, names.length > 0 ? names : undefined)
  console.table(
    results.map((result) => ({
      benchmark: result.name,
      subject: result.subject,
      median: Number(result.median.toFixed(3)),
      unit: result.unit,
      rounds: result.rounds,
    })),
  )
  const [small, large] = [commitMedian(results, 1), commitMedian(results, 100)]
  if (small && large) console.log(`one-row commit, 100 MB / 1 MB: ${(large / small).toFixed(2)}x`)
}
