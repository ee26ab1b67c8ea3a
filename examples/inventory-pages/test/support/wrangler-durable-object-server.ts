import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiServer } from './api-contract.js'
import { freePort, stopWrangler, waitForHealth } from './wrangler-api-server.js'

const projectDir = fileURLToPath(new URL('../../', import.meta.url))
const wranglerBin = join(projectDir, 'node_modules', '.bin', 'wrangler')
const environment = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }

/**
 * `wrangler dev` serving the API from a Worker with a Durable Object per inventory
 * (durable-object/wrangler.toml), its storage in a fresh directory; stopped and removed on close.
 */
export async function startWranglerDurableObjectServer(options: { apiToken?: string } = {}): Promise<ApiServer> {
  const persistDir = mkdtempSync(join(tmpdir(), 'inventory-durable-object-'))
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const args = [
    'dev',
    '--config',
    'durable-object/wrangler.toml',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
  ]
  if (options.apiToken) args.push('--var', `INVENTORY_API_TOKEN:${options.apiToken}`)
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
