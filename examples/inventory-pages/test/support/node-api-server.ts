import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startNodeServer } from '../../src/server/node-server.js'
import type { ApiServer } from './api-contract.js'

/** The Node server on a free port and a fresh SQLite file in a temporary folder, removed on close. */
export async function startNodeApiServer(
  options: { apiToken?: string } = {},
): Promise<ApiServer & { seeded: boolean }> {
  const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
  const server = await startNodeServer({
    filename: join(folder, 'inventory.sqlite'),
    port: 0,
    staticDir: fileURLToPath(new URL('../../dist', import.meta.url)),
    apiToken: options.apiToken,
  })
  return {
    url: server.url,
    seeded: server.seeded,
    async close() {
      await server.close()
      rmSync(folder, { recursive: true, force: true })
    },
  }
}
