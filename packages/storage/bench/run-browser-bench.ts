/**
 * Runs a browser benchmark in Chromium (served by Vite) and prints its results as a table:
 * `indexeddb.bench.ts` by default, `local-storage.bench.ts` with the argument `local-storage`.
 * `CHROMIUM_PATH` selects a system Chromium, as for `pnpm test:browser`.
 */
import { startPageServer } from '../test/e2e/page-server.js'
import type { BenchResult } from './indexeddb.bench.js'

const server = await startPageServer(new URL('.', import.meta.url))
try {
  const page = await server.browser.newPage()
  page.on('pageerror', (error) => console.error(error))
  const pageFile = process.argv[2] === 'local-storage' ? 'local-storage.html' : 'index.html'
  await page.goto(`${server.url}/${pageFile}`)
  await page.waitForFunction(() => 'runBenchmarks' in globalThis)
  const results = await page.evaluate(() =>
    (globalThis as unknown as { runBenchmarks: () => Promise<BenchResult[]> }).runBenchmarks(),
  )
  console.table(
    results.map((result) => ({
      benchmark: result.name,
      subject: result.subject,
      median: Number(result.median.toFixed(3)),
      unit: result.unit,
      rounds: result.rounds,
    })),
  )
  const commit = (megabytes: number) =>
    results.find((result) => result.name.startsWith(`one-row commit into ${megabytes} MB`))?.median
  const [small, large] = [commit(1), commit(50)]
  if (small && large) console.log(`one-row commit, 50 MB / 1 MB: ${(large / small).toFixed(2)}x`)
} finally {
  await server.close()
}
