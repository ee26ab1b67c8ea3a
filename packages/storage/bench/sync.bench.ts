// Sync figures: the initial pull of 10,000 items into an empty IndexedDB client (fake-indexeddb
// in Node), a push of 1,000 queued mutations, and a round trip with nothing to do; against a
// SQLite server and a D1 server on Miniflare (reached through Miniflare's Node proxy, so each D1
// call costs more than inside workerd).
import { IDBFactory } from 'fake-indexeddb'
import type { Kysely } from 'kysely'
import { Miniflare } from 'miniflare'
import { d1Adapter } from '../src/d1.js'
import { createStorage, type StorageProvider } from '../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../src/indexeddb.js'
import { sqliteAdapter } from '../src/sqlite.js'
import { createSyncClient, createSyncServer } from '../src/sync.js'
import { type InventoryDB, migrations, mutators, tables } from '../test/sync/inventory-sync.js'

/** One server's sync figures. */
export interface SyncBenchResult {
  readonly server: string
  /** Initial pull of 10,000 items into an empty client. */
  readonly initialPullMs: number
  /** Pushing 1,000 queued sales, and pulling their effects back. */
  readonly push1000Ms: number
  readonly push1000Requests: number
  /** Server time per mutation during that push. */
  readonly serverMsPerMutation: number
  /** A sync with nothing to do. */
  readonly idleRoundTripMs: number
  readonly idleRequests: number
  readonly idleServerWrites: number
}

const ITEMS = 10_000
const SALES = 1_000
const ENDPOINT = 'https://inventory.test/api/sync'

export async function runSyncBenchmark(): Promise<SyncBenchResult[]> {
  const miniflare = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response("") } }',
    d1Databases: ['DB'],
  })
  try {
    const servers: [string, () => Promise<StorageProvider<InventoryDB>>][] = [
      ['sqlite (better-sqlite3, memory)', () => createStorage<InventoryDB>({ adapters: sqliteAdapter() })],
      [
        'd1 (Miniflare, via its Node proxy)',
        async () =>
          createStorage<InventoryDB>({ adapters: d1Adapter({ database: await miniflare.getD1Database('DB') }) }),
      ],
    ]
    const results: SyncBenchResult[] = []
    for (const [name, open] of servers) results.push(await measure(name, await open()))
    return results
  } finally {
    await miniflare.dispose()
  }
}

async function measure(name: string, serverStorage: StorageProvider<InventoryDB>): Promise<SyncBenchResult> {
  await serverStorage.migrate(migrations)
  await seed(serverStorage.db)
  const server = createSyncServer<InventoryDB>({ storage: serverStorage, mutators, tables })
  let requests = 0
  let serverMs = 0
  const transport = async (request: Request) => {
    requests++
    const started = performance.now()
    try {
      return await server.handle(request)
    } finally {
      serverMs += performance.now() - started
    }
  }
  const origin = { name: `sync-bench-${Date.now()}`, indexedDB: new IDBFactory(), locks: new InPageLockManager() }
  const storage = await createStorage<InventoryDB>({ adapters: indexedDbAdapter(origin) })
  await storage.migrate(migrations)
  const client = createSyncClient({ storage, mutators, endpoint: ENDPOINT, tables, fetch: transport })

  let started = performance.now()
  await client.sync()
  const initialPullMs = performance.now() - started

  for (let index = 0; index < SALES; index++) {
    await client.mutate.adjust({ movementId: `sale-${index}`, itemId: `item-${index}`, delta: -1, note: 'sale' })
  }
  requests = 0
  serverMs = 0
  started = performance.now()
  await client.sync()
  const push1000Ms = performance.now() - started
  const push1000Requests = requests
  const serverMsPerMutation = serverMs / SALES

  const changesBefore = await changeCount(serverStorage)
  requests = 0
  started = performance.now()
  await client.sync()
  const idleRoundTripMs = performance.now() - started
  const idleRequests = requests
  const idleServerWrites = (await changeCount(serverStorage)) - changesBefore

  await storage.close()
  await serverStorage.close()
  return {
    server: name,
    initialPullMs,
    push1000Ms,
    push1000Requests,
    serverMsPerMutation,
    idleRoundTripMs,
    idleRequests,
    idleServerWrites,
  }
}

async function seed(db: Kysely<InventoryDB>): Promise<void> {
  const items = Array.from({ length: ITEMS }, (_, index) => ({
    id: `item-${index}`,
    sku: `SKU-${index}`,
    name: `Item ${index}`,
    quantity: 10,
    photo: null,
  }))
  for (let start = 0; start < ITEMS; start += 1_000) {
    await db
      .insertInto('items')
      .values(items.slice(start, start + 1_000))
      .execute()
  }
}

/** Rows in the change log: any write by the server to a synced table or to sync's own tables adds some. */
async function changeCount(storage: StorageProvider<InventoryDB>): Promise<number> {
  const db = storage.db as unknown as Kysely<any>
  const [changes, clients] = await Promise.all([
    db
      .selectFrom('_sync_changes')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('_sync_clients')
      .select((eb) => eb.fn.sum<number>('last_mutation_id').as('sum'))
      .executeTakeFirstOrThrow(),
  ])
  return Number(changes.count) + Number(clients.sum)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runSyncBenchmark())
}
