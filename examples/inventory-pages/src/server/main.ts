// Starts the inventory site on this machine: the built UI and the API on a local SQLite file.
import { fileURLToPath } from 'node:url'
import { startNodeServer } from './node-server.js'

const server = await startNodeServer({
  filename: process.env.INVENTORY_DB ?? '.data/inventory.sqlite',
  port: Number(process.env.PORT ?? 8787),
  host: process.env.HOST ?? '127.0.0.1',
  // `--offline-first`: the site built with `vite build --mode offline-first`, which syncs a replica in the browser.
  staticDir: fileURLToPath(
    new URL(process.argv.includes('--offline-first') ? '../../dist-offline-first' : '../../dist', import.meta.url),
  ),
  apiToken: process.env.INVENTORY_API_TOKEN || undefined,
  allowedHosts: (process.env.INVENTORY_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
})
if (server.seeded) console.log('New database: added the sample items.')
console.log(`Inventory running at ${server.url}  (Ctrl+C to stop)`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close().then(() => process.exit(0))
  })
}
