// Measures a large CSV import on the Node server: how long the preview and the import take, how
// large the preview's answer is, the server's peak memory, and how long /api/health waits meanwhile.
// Usage: pnpm measure:import [rows]   (default: the most rows one import accepts)
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MAX_IMPORT_ROWS } from '../src/domain/validation.js'
import { freePort } from '../test/support/wrangler-api-server.js'

const rows = Number(process.argv[2] ?? MAX_IMPORT_ROWS)
const projectDir = fileURLToPath(new URL('../', import.meta.url))
const folder = mkdtempSync(join(tmpdir(), 'inventory-measure-'))
const port = await freePort()
const url = `http://127.0.0.1:${port}`
const server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
  cwd: projectDir,
  env: { ...process.env, PORT: String(port), INVENTORY_DB: join(folder, 'inventory.sqlite') },
  stdio: 'ignore',
})

try {
  await waitForServer()
  const csvOf = (quantity: number) =>
    `sku,name,quantity\n${Array.from({ length: rows }, (_, index) => `${index.toString(36)},n,${quantity}\n`).join('')}`
  const body = JSON.stringify({ csv: csvOf(1) })
  console.log(`${rows} rows, CSV ${kilobytes(csvOf(1).length)}, request body ${kilobytes(body.length)}`)

  const preview = await timed(() => post('/api/import/preview', body))
  console.log(
    `preview: ${preview.value.status} in ${preview.ms} ms, answer ${kilobytes(preview.value.text.length)} ` +
      `(${(preview.value.text.length / csvOf(1).length).toFixed(2)}× the CSV)`,
  )
  await measureImport('import creating every row', body)
  await measureImport('import again, changing every quantity', JSON.stringify({ csv: csvOf(2) }))
  console.log(`server peak memory (VmHWM): ${peakMemory(server.pid)}`)
} finally {
  server.kill()
  rmSync(folder, { recursive: true, force: true })
}

/** Imports `body` while asking /api/health every 10 ms, and prints both. */
async function measureImport(label: string, body: string): Promise<void> {
  const latencies: number[] = []
  let importing = true
  const healthChecks = (async () => {
    while (importing) {
      const { ms } = await timed(() => fetch(`${url}/api/health`).then((response) => response.text()))
      latencies.push(ms)
      await new Promise((done) => setTimeout(done, 10))
    }
  })()
  const applied = await timed(() => post('/api/import', body))
  importing = false
  await healthChecks
  latencies.sort((a, b) => a - b)
  const median = latencies[Math.floor(latencies.length / 2)] ?? 0
  console.log(`${label}: ${applied.value.status} in ${applied.ms} ms: ${applied.value.text.slice(0, 80)}`)
  console.log(
    `  /api/health meanwhile: ${latencies.length} checks, median ${median} ms, slowest ${latencies.at(-1)} ms`,
  )
}

async function waitForServer(): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (
      await fetch(`${url}/api/health`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error('the server did not start')
}

async function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: response.status, text: await response.text() }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: Math.round(performance.now() - started) }
}

function kilobytes(length: number): string {
  return `${Math.round(length / 1024)} KiB`
}

/** The process's peak resident memory, where Linux's /proc tells it. */
function peakMemory(pid: number | undefined): string {
  try {
    const kilobytesUsed = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kilobytesUsed ? `${Math.round(Number(kilobytesUsed) / 1024)} MiB` : 'unknown'
  } catch {
    return 'unknown (no /proc on this system)'
  }
}
