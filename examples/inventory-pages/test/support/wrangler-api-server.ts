import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ApiServer } from './api-contract.js'

const projectDir = fileURLToPath(new URL('../../', import.meta.url))
const wranglerBin = join(projectDir, 'node_modules', '.bin', 'wrangler')
const environment = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise((done) => server.close(done))
  return port
}

/**
 * `wrangler pages dev` serving dist/ (or `site`) and functions/ on a fresh local D1, migrated with
 * the generated `migrations/*.sql` exactly as a deployment is; stopped and removed on close.
 */
export async function startWranglerApiServer(options: { apiToken?: string; site?: string } = {}): Promise<ApiServer> {
  const persistDir = mkdtempSync(join(tmpdir(), 'inventory-pages-d1-'))
  await promisify(execFile)(wranglerBin, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir], {
    cwd: projectDir,
    env: environment,
  })
  return serveWithWrangler(
    ['pages', 'dev', ...(options.site ? [options.site] : [])],
    persistDir,
    options.apiToken ? ['--binding', `INVENTORY_API_TOKEN=${options.apiToken}`] : [],
  )
}

/**
 * Starts wrangler (`command`, e.g. `pages dev`) on free ports with its state in `persistDir`, and
 * waits until `/api/health` answers. Closing stops wrangler and removes `persistDir`.
 */
export async function serveWithWrangler(
  command: readonly string[],
  persistDir: string,
  extraArgs: readonly string[] = [],
): Promise<ApiServer> {
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const args = [
    ...command,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
    ...extraArgs,
  ]
  const child = spawn(wranglerBin, args, {
    cwd: projectDir,
    env: environment,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const url = `http://127.0.0.1:${port}`
  const close = async () => {
    await stopWrangler(child)
    rmSync(persistDir, { recursive: true, force: true })
  }
  try {
    await waitForHealth(url, child, () => output)
  } catch (error) {
    await close()
    throw error
  }
  return { url, close }
}

/** Polls `/api/health` until it answers, for at most 45 s; fails early when wrangler exits. */
export async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 45_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with ${child.exitCode}:\n${output()}`)
    const ready = await fetch(`${url}/api/health`).then(
      (response) => response.ok,
      () => false,
    )
    if (ready) return
    await new Promise((done) => setTimeout(done, 200))
  }
  throw new Error(`wrangler did not answer within 45 s:\n${output()}`)
}

/** Stops wrangler and the workerd it started (its process group). */
export async function stopWrangler(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise((done) => child.once('exit', done))
  process.kill(-child.pid, 'SIGTERM')
  const timer = setTimeout(
    () => child.pid !== undefined && child.exitCode === null && process.kill(-child.pid, 'SIGKILL'),
    5000,
  )
  await exited
  clearTimeout(timer)
}
