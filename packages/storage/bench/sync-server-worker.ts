// The sync server that sync.bench.ts runs in workerd on Miniflare's D1, so that a push is timed
// with D1 reached through its binding, as in production, not through Miniflare's Node proxy.
// `/seed?items=N` fills the database; every other request is a sync request.
import { type D1Database, d1Adapter } from '../src/d1.js'
import { createStorage, type StorageProvider } from '../src/index.js'
import { createSyncServer, type SyncServer } from '../src/sync.js'
import { type InventoryDB, migrations, mutators, tables } from '../test/sync/inventory-sync.js'

let opened: Promise<{ storage: StorageProvider<InventoryDB>; sync: SyncServer }> | undefined

function open(database: D1Database) {
  opened ??= (async () => {
    const storage = await createStorage<InventoryDB>({ adapters: d1Adapter({ database }) })
    await storage.migrate(migrations)
    return { storage, sync: createSyncServer<InventoryDB>({ storage, mutators, tables }) }
  })()
  return opened
}

export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const { storage, sync } = await open(env.DB)
    const url = new URL(request.url)
    if (url.pathname === '/seed') {
      const count = Number(url.searchParams.get('items'))
      const items = Array.from({ length: count }, (_, index) => ({
        id: `item-${index}`,
        sku: `SKU-${index}`,
        name: `Item ${index}`,
        quantity: 10,
        photo: null,
      }))
      await storage.insertMany('items', items)
      return Response.json({ seeded: count })
    }
    return sync.handle(request)
  },
}
