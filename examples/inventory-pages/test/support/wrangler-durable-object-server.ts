import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiServer } from './api-contract.js'
import { serveWithWrangler } from './wrangler-api-server.js'

/**
 * `wrangler dev` serving the API from a Worker with a Durable Object per inventory
 * (durable-object/wrangler.toml), its storage in a fresh directory; stopped and removed on close.
 */
export function startWranglerDurableObjectServer(options: { apiToken?: string } = {}): Promise<ApiServer> {
  const persistDir = mkdtempSync(join(tmpdir(), 'inventory-durable-object-'))
  return serveWithWrangler(
    ['dev', '--config', 'durable-object/wrangler.toml'],
    persistDir,
    options.apiToken ? ['--var', `INVENTORY_API_TOKEN:${options.apiToken}`] : [],
  )
}
