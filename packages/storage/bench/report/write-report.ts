import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import type { BenchmarkRun, BenchResult } from '../measure.js'
import { renderLineChart } from './line-chart.js'

/**
 * Writes `benchmarks.md` and its SVG charts (into `benchmarks/` beside it) under `docsDir`.
 *
 * @param run - the measurements
 * @param docsDir - the documentation directory
 */
export function writeBenchmarkReport(run: BenchmarkRun, docsDir: URL): void {
  const chartsDir = new URL('benchmarks/', docsDir)
  mkdirSync(chartsDir, { recursive: true })
  writeFileSync(
    new URL('sqlite-insert-throughput.svg', chartsDir),
    renderLineChart({
      title: 'sqlite: insert throughput by batch size',
      xLabel: 'rows per insert (log scale)',
      yLabel: 'rows per second',
      logX: true,
      series: [
        {
          name: 'sqlite adapter',
          points: run.sqliteInsertScaling.map((row) => [row.batchSize, row.adapterRowsPerSecond]),
        },
        { name: 'better-sqlite3', points: run.sqliteInsertScaling.map((row) => [row.batchSize, row.rawRowsPerSecond]) },
      ],
    }),
  )
  writeFileSync(
    new URL('d1-insert-throughput.svg', chartsDir),
    renderLineChart({
      title: 'd1: insert throughput by rows per call',
      xLabel: 'rows per insert (log scale)',
      yLabel: 'rows per second',
      logX: true,
      series: [
        { name: 'd1 adapter', points: run.d1InsertScaling.map((row) => [row.rows, row.adapterRowsPerSecond]) },
        { name: 'hand-written batch', points: run.d1InsertScaling.map((row) => [row.rows, row.byHandRowsPerSecond]) },
      ],
    }),
  )
  const commits = 'skipped' in run.browser ? [] : commitCosts(run.browser)
  if (commits.length > 0) {
    writeFileSync(
      new URL('indexeddb-commit-latency.svg', chartsDir),
      renderLineChart({
        title: 'indexeddb: one-row commit by database size',
        xLabel: 'database size (MB)',
        yLabel: 'median commit (ms)',
        series: [{ name: 'indexeddb adapter', points: commits }],
      }),
    )
  }
  const localStorageCommits = 'skipped' in run.localStorage ? [] : commitCosts(run.localStorage)
  if (localStorageCommits.length > 0) {
    writeFileSync(
      new URL('local-storage-commit-latency.svg', chartsDir),
      renderLineChart({
        title: 'local-storage: one-row commit by database size',
        xLabel: 'database size (MB)',
        yLabel: 'median commit (ms)',
        series: [{ name: 'local-storage adapter', points: localStorageCommits }],
      }),
    )
  }
  writeFileSync(new URL('benchmarks.md', docsDir), renderMarkdown(run, commits.length > 0))
}

function commitCosts(results: readonly BenchResult[]): [number, number][] {
  const points: [number, number][] = []
  for (const result of results) {
    const size = /^one-row commit into ([\d.]+) MB/.exec(result.name)?.[1]
    if (size) points.push([Number(size), result.median])
  }
  return points.sort((a, b) => a[0] - b[0])
}

function renderMarkdown(run: BenchmarkRun, commitChart: boolean): string {
  const lines: string[] = [
    '# Benchmarks',
    '',
    'Written by `pnpm bench`, which runs every adapter’s benchmarks in one go. Ratios compare measurements',
    'taken in the same run; absolute times depend on the machine and on what else it was doing.',
    '',
    '## Machine and versions',
    '',
    `- ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version} on ${process.platform}; load average ${loadavg()[0]?.toFixed(1)} when the report was written`,
    ...Object.entries(run.versions).map(([name, version]) => `- ${name} ${version}`),
    '',
    '## Design targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...targetRows(run),
    '',
    '## sqlite adapter vs better-sqlite3',
    '',
    'Point selects are timed 100 per measurement (the times below are for 100), so that the benchmark harness’s own cost of awaiting an async task is not billed to the adapter alone.',
    '',
    '| benchmark | subject | baseline | subject ms | baseline ms | ratio | target |',
    '|---|---|---|---|---|---|---|',
    ...run.sqlite.map(
      (result) =>
        `| ${result.name} | ${result.subject} | ${result.baseline} | ${result.subjectMs.toFixed(4)} | ${result.baselineMs.toFixed(4)} | ${result.ratio.toFixed(2)}× | ${result.target === undefined ? '' : `≤ ${result.target}×`} |`,
    ),
    '',
    '![sqlite insert throughput by batch size](benchmarks/sqlite-insert-throughput.svg)',
    '',
    '| rows per insert | adapter rows/s | better-sqlite3 rows/s | ratio |',
    '|---|---|---|---|',
    ...run.sqliteInsertScaling.map(
      (row) =>
        `| ${row.batchSize} | ${Math.round(row.adapterRowsPerSecond)} | ${Math.round(row.rawRowsPerSecond)} | ${(row.rawRowsPerSecond / row.adapterRowsPerSecond).toFixed(2)}× |`,
    ),
    '',
    '## d1 adapter vs a hand-written D1 batch (Miniflare, inside workerd)',
    '',
    '| way | median ms | ratio | statements | round trips |',
    '|---|---|---|---|---|',
    ...run.d1.map((row) => `| ${row.name} | ${row.ms} | ${row.ratio}× | ${row.statements} | ${row.roundTrips} |`),
    '',
    '![d1 insert throughput by rows per call](benchmarks/d1-insert-throughput.svg)',
    '',
    '| rows per insert | adapter rows/s | hand-written batch rows/s | ratio |',
    '|---|---|---|---|',
    ...run.d1InsertScaling.map(
      (row) =>
        `| ${row.rows} | ${Math.round(row.adapterRowsPerSecond)} | ${Math.round(row.byHandRowsPerSecond)} | ${(row.byHandRowsPerSecond / row.adapterRowsPerSecond).toFixed(2)}× |`,
    ),
    '',
    '## indexeddb adapter vs Dexie (Chromium)',
    '',
  ]
  if ('skipped' in run.browser) {
    lines.push(`Not measured in this run: ${run.browser.skipped}.`)
  } else {
    lines.push(
      '| benchmark | subject | median | unit | rounds |',
      '|---|---|---|---|---|',
      ...run.browser.map(
        (result) =>
          `| ${result.name} | ${result.subject} | ${result.median.toFixed(3)} | ${result.unit} | ${result.rounds} |`,
      ),
    )
    if (commitChart)
      lines.push('', '![indexeddb commit latency by database size](benchmarks/indexeddb-commit-latency.svg)')
  }
  const missed = run.sqlite.filter((result) => result.met === false)
  const missedOnD1 = run.d1.filter((row) => row.name.startsWith('adapter') && row.ratio > D1_TARGET)
  if (missed.length > 0 || missedOnD1.length > 0) {
    lines.push('', '## Targets missed in this run, and why', '')
    for (const result of missed)
      lines.push(
        `- **${result.name}**: ${result.ratio.toFixed(2)}× against a target of ≤ ${result.target}×. ${MISS_CAUSES[result.name] ?? ''}`,
      )
    for (const row of missedOnD1)
      lines.push(
        `- **d1: ${row.name}**: ${row.ratio.toFixed(2)}× against a target of ≤ ${D1_TARGET}×. ${D1_MISS_CAUSE}`,
      )
  }
  lines.push('', '## local-storage vs one JSON string per row (Chromium)', '')
  if ('skipped' in run.localStorage) {
    lines.push(`Not measured in this run: ${run.localStorage.skipped}.`)
  } else {
    lines.push(
      'Rows of a typical items table stored in `localStorage` until the browser refuses more, by the adapter (SQLite pages packed 15 bits per character) and by a store that keeps one JSON string per row, in the same page one after the other.',
      '',
      '| benchmark | subject | value | unit |',
      '|---|---|---|---|',
      ...run.localStorage.map(
        (result) => `| ${result.name} | ${result.subject} | ${formatValue(result.median)} | ${result.unit} |`,
      ),
      '',
      'A one-row commit writes only the pages it changed; its cost stays flat as the database grows:',
      '',
      '![local-storage commit latency by database size](benchmarks/local-storage-commit-latency.svg)',
    )
  }
  lines.push(
    '',
    '## sync (an IndexedDB client on fake-indexeddb in Node)',
    '',
    'The initial pull brings 10,000 items into an empty client; the push sends 1,000 queued sales and pulls their effects back; the idle round trip is a sync with nothing to do. The D1 server runs inside workerd on Miniflare’s D1, reached through its binding as in production; its server time includes one hop from Node to workerd per request.',
    '',
    '| server | initial pull ms | push of 1,000 ms | requests | server ms per mutation | idle round trip ms | idle requests | idle server writes |',
    '|---|---|---|---|---|---|---|---|',
    ...run.sync.map(
      (row) =>
        `| ${row.server} | ${Math.round(row.initialPullMs)} | ${Math.round(row.push1000Ms)} | ${row.push1000Requests} | ${row.serverMsPerMutation.toFixed(2)} | ${row.idleRoundTripMs.toFixed(1)} | ${row.idleRequests} | ${row.idleServerWrites} |`,
    ),
    '',
    '## sync: initial pull into an IndexedDB client in Chromium',
    '',
  )
  if ('skipped' in run.syncChromium) {
    lines.push(`Not measured: ${run.syncChromium.skipped}.`, '')
  } else {
    lines.push(
      'An empty client on Chromium’s real IndexedDB pulls 10,000 items; the page’s request is answered in Node by the sync server (through Playwright’s request interception, no network). The first pull of the page runs code not optimised yet; the median is of the pulls after it, each into a new database. The server’s share is its reading of the tables and writing of the answer.',
      '',
      '| server | first pull ms | median pull ms | server ms (median) | answer bytes | pulls |',
      '|---|---|---|---|---|---|',
      ...run.syncChromium.map(
        (row) =>
          `| ${row.server} | ${Math.round(row.coldPullMs)} | ${Math.round(row.medianPullMs)} | ${Math.round(row.medianServerMs)} | ${row.responseBytes.toLocaleString('en-US')} | ${row.pulls} |`,
      ),
      '',
    )
  }
  return lines.join('\n')
}

// What profiling the sqlite adapter showed, for the targets it does not always meet.
const MISS_CAUSES: Record<string, string> = {
  'point select by primary key':
    'Measured on a quiet machine in a plain loop: raw better-sqlite3 answers in about 2.4 µs; Kysely alone, building, compiling and executing the same query through a driver that does nothing, takes about 5 µs; the adapter about 9 µs. Kysely’s own work is therefore a floor of about 3× before SQLite runs at all, and the adapter’s layers (statement cache, parameter check, change tracking, connection lock) add about 1.5 µs. Plain Kysely over better-sqlite3, which prepares every query anew, is the reference row. The ratio moves by ±1× with machine load; `prepare()` is the way to go below it.',
  'prepared point select by primary key':
    'CPU profile of a million prepared point selects (`node --cpu-prof`): 2.6 µs per call, of which 1.8 µs is inside the better-sqlite3 connection (the statement cache lookup and `all()`, which builds an array and steps once more to find the end, where the baseline’s `get()` stops at the first row) and about 0.6 µs the promise hops every async `execute` pays: the connection lock, the engine call and its release, 0.06–0.23 µs each, plus garbage collection. Nothing is built or compiled per call any more. The baseline is a synchronous loop; an async API cannot reach it on a microsecond query.',
  'insert 10,000 rows, fast path':
    'CPU profile: stepping the one prepared statement takes as long as the raw loop; the rest, about a fifth of the raw time, is reading each row’s columns into a parameter list (and checking that every row names the same columns) and the transaction’s `begin`/`commit` through Kysely. Interleaved medians of 40 rounds measured 1.21–1.25×; single runs on this shared machine vary between 1.2× and 1.4×.',
}

const D1_MISS_CAUSE =
  'Both send the same 400 insert statements (plus one guard) in one `batch()`; the difference is JavaScript inside the Worker before the call: Kysely building and compiling one `insertInto().values()` holding 40,000 values, which the adapter then splits into statements of 100 parameters. `insertMany()` compiles one 25-row statement and binds it 400 times instead, and stays within the target. With 30 rounds on a shared machine the ratio of the `values()` way has measured anywhere from 1.0× to 1.4×.'

/** The d1 insert may take at most this multiple of the hand-written batch's time. */
const D1_TARGET = 1.2

function targetRows(run: BenchmarkRun): string[] {
  const rows: string[] = []
  for (const result of run.sqlite) {
    if (result.target === undefined) continue
    rows.push(
      `| sqlite: ${result.name} ≤ ${result.target}× | ${result.ratio.toFixed(2)}× | ${result.met ? 'yes' : 'no'} |`,
    )
  }
  const adapterRow = run.d1.find((row) => row.name.startsWith('adapter'))
  if (adapterRow)
    rows.push(
      `| d1: 10,000 rows × 4 columns in one call, no error | ${adapterRow.roundTrips} round trip(s), ${adapterRow.statements} statements | ${adapterRow.roundTrips === 1 ? 'yes' : 'no'} |`,
    )
  for (const row of run.d1.filter((way) => way.name.startsWith('adapter'))) {
    rows.push(
      `| d1: 10,000 rows × 4 columns, ${row.name.slice('adapter: '.length)} ≤ ${D1_TARGET}× the hand-written batch | ${row.ratio.toFixed(2)}× | ${row.ratio <= D1_TARGET ? 'yes' : 'no'} |`,
    )
  }
  const browser = run.browser
  if ('skipped' in browser) {
    rows.push('| indexeddb: 50 MB / 1 MB one-row commit ≤ 2× | not measured | — |')
    rows.push('| indexeddb: faster than Dexie (point read, bulk insert) | not measured | — |')
  } else {
    const commits = commitCosts(browser)
    const commit = (megabytes: number) => commits.find(([size]) => size === megabytes)?.[1]
    const [small, large] = [commit(1), commit(50)]
    if (small && large)
      rows.push(
        `| indexeddb: 50 MB / 1 MB one-row commit ≤ 2× | ${(large / small).toFixed(2)}× | ${large / small <= 2 ? 'yes' : 'no'} |`,
      )
    for (const name of ['indexed point read', 'bulk insert 10,000 rows']) {
      const ours = browser.find((result) => result.name === name && result.subject === '@inventory/storage')
      const dexie = browser.find((result) => result.name === name && result.subject === 'Dexie')
      if (ours && dexie)
        rows.push(
          `| indexeddb faster than Dexie: ${name} | ${(ours.median / dexie.median).toFixed(2)}× Dexie’s time | ${ours.median < dexie.median ? 'yes' : 'no'} |`,
        )
    }
  }
  const density =
    'skipped' in run.localStorage ? undefined : run.localStorage.find((result) => result.subject === 'ratio')
  rows.push(
    density
      ? `| local-storage: ≥ 2× the rows of JSON-per-row before quota | ${density.median.toFixed(2)}× | ${density.median >= 2 ? 'yes' : 'no'} |`
      : '| local-storage: ≥ 2× the rows of JSON-per-row before quota | not measured | — |',
  )
  if ('skipped' in run.syncChromium) {
    rows.push(
      '| sync: initial pull of 10,000 items into an empty indexeddb client (Chromium) ≤ 1 s | not measured | — |',
    )
  } else {
    for (const row of run.syncChromium) {
      const worst = Math.max(row.coldPullMs, row.medianPullMs)
      rows.push(
        `| sync: initial pull of 10,000 items into an empty indexeddb client (Chromium), ${row.server} server ≤ 1 s | ${Math.round(row.coldPullMs)} ms first, ${Math.round(row.medianPullMs)} ms median | ${worst <= 1000 ? 'yes' : 'no'} |`,
      )
    }
  }
  return rows
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}
