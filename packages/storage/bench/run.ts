// `pnpm bench`: every adapter's benchmarks in one run, printed, and written to docs/benchmarks.md
// with charts in docs/benchmarks/. The Chromium benchmarks run when a Chromium is found
// (CHROMIUM_PATH, else a system Chromium such as /usr/bin/chromium); otherwise the report says why they are missing.
import { readFileSync } from 'node:fs'
import { findChromium } from '@inventory/testing/chromium'
import { runD1Benchmark, runD1InsertScaling } from './d1.bench.js'
import { type BenchResult, printResults } from './measure.js'
import { runBrowserBenchmarks } from './run-browser-bench.js'
import { writeBenchmarkReport } from './report/write-report.js'
import { runSqliteBenchmarks, runSqliteInsertScaling } from './sqlite.bench.js'
import { runChromiumSyncBenchmark, runSyncBenchmark } from './sync.bench.js'

const sqlite = await runSqliteBenchmarks()
printResults('sqlite adapter vs better-sqlite3', sqlite)

const sqliteInsertScaling = await runSqliteInsertScaling()
console.log('\nsqlite insert throughput by batch size (rows/s)')
console.table(
  sqliteInsertScaling.map((row) => ({
    ...row,
    adapterRowsPerSecond: Math.round(row.adapterRowsPerSecond),
    rawRowsPerSecond: Math.round(row.rawRowsPerSecond),
  })),
)

console.log('\nd1 adapter vs a hand-written D1 batch (inside workerd): 10,000 rows × 4 columns')
const d1 = await runD1Benchmark()
console.table(d1)

const d1InsertScaling = await runD1InsertScaling()
console.log('\nd1 insert throughput by rows per call (rows/s)')
console.table(
  d1InsertScaling.map((row) => ({
    rows: row.rows,
    adapterRowsPerSecond: Math.round(row.adapterRowsPerSecond),
    byHandRowsPerSecond: Math.round(row.byHandRowsPerSecond),
  })),
)

console.log('\nsync: initial pull, a push of 1,000 mutations and an idle round trip')
const sync = await runSyncBenchmark()
console.table(sync)

const versions = measuredVersions()
const browser = await runBrowserIfPossible('indexeddb')
if ('skipped' in browser) console.log(`\nindexeddb benchmarks skipped: ${browser.skipped}`)
else console.table(browser)
const localStorage = await runBrowserIfPossible('local-storage')
if ('skipped' in localStorage) console.log(`\nlocal-storage benchmarks skipped: ${localStorage.skipped}`)
else console.table(localStorage)

const syncChromium = findChromium()
  ? (await runChromiumSyncBenchmark()).rows
  : { skipped: 'no Chromium found (set CHROMIUM_PATH)' }
console.log('\nsync: initial pull of 10,000 items into an IndexedDB client in Chromium')
console.table(syncChromium)

writeBenchmarkReport(
  { sqlite, sqliteInsertScaling, d1, d1InsertScaling, browser, localStorage, sync, syncChromium, versions },
  new URL('../../../docs/', import.meta.url),
)
console.log('\nwrote docs/benchmarks.md')

async function runBrowserIfPossible(
  adapter: 'indexeddb' | 'local-storage',
): Promise<BenchResult[] | { skipped: string }> {
  if (!findChromium()) return { skipped: 'no Chromium found (set CHROMIUM_PATH)' }
  const { results, chromium } = await runBrowserBenchmarks(adapter)
  versions.Chromium = chromium
  return results
}

/** The pinned versions of what was measured, from this package's devDependencies. */
function measuredVersions(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  const versions: Record<string, string> = {}
  for (const name of [
    'better-sqlite3',
    'kysely',
    'kysely-d1',
    'miniflare',
    '@sqlite.org/sqlite-wasm',
    'dexie',
    '@journeyapps/wa-sqlite',
    'playwright-core',
  ]) {
    versions[name] = manifest.devDependencies[name] ?? 'not installed'
  }
  return versions
}
