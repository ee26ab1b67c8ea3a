import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startNodeServer } from '../../src/server/node-server.js'
import type { ApiServer } from './api-contract.js'

/**
 * The Node server on a free port and a fresh SQLite file in a temporary folder, removed on close;
 * `site` is the built site it serves (`dist` by default, `dist-offline-first` for that mode).
 */
export async function startNodeApiServer(
  options: { apiToken?: string; site?: string } = {},
): Promise<ApiServer & { seeded: boolean }> {
  const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
  const server = await startNodeServer({
    filename: join(folder, 'inventory.sqlite'),
    port: 0,
    staticDir: fileURLToPath(new URL(`../../${options.site ?? 'dist'}`, import.meta.url)),
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
