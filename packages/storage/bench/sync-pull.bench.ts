/**
 * The page side of the Chromium sync benchmark (see `runChromiumSyncBenchmark` in sync.bench.ts):
 * an empty IndexedDB client on the page's real IndexedDB pulls everything from the endpoint, which
 * the benchmark answers from Node with a real sync server.
 */
import { createStorage } from '../src/index.js'
import { indexedDbAdapter } from '../src/indexeddb.js'
import { createSyncClient } from '../src/sync.js'
import { type InventoryDB, migrations, mutators, tables } from '../test/sync/inventory-sync.js'

/** One initial pull: its time, and the rows the client then holds. */
export interface PagePull {
  readonly ms: number
  readonly items: number
  readonly state: string
}

let clients = 0

async function initialPull(endpoint: string): Promise<PagePull> {
  const name = `sync-bench-${Date.now()}-${++clients}`
  const storage = await createStorage<InventoryDB>({ adapters: indexedDbAdapter({ name }) })
  try {
    await storage.migrate(migrations)
    const client = createSyncClient({ storage, mutators, endpoint, tables })
    const started = performance.now()
    const status = await client.sync()
    const ms = performance.now() - started
    const { count } = await storage.db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    return { ms, items: Number(count), state: status.state }
  } finally {
    await storage.close()
    indexedDB.deleteDatabase(name)
  }
}

Object.assign(globalThis, { initialPull })
