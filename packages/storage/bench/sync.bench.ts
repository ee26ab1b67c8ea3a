// Sync figures: the initial pull of 10,000 items into an empty IndexedDB client (fake-indexeddb
// in Node), a push of 1,000 queued mutations, and a round trip with nothing to do; against a
// SQLite server in this process and a D1 server running inside workerd (Miniflare's real D1,
// reached through its binding as in production; each request crosses from Node to workerd once).
// `runChromiumSyncBenchmark` times the initial pull into a client on Chromium's real IndexedDB,
// against the same servers.
import { fileURLToPath } from 'node:url'
import { bundleWorker } from '@inventory/testing/worker-bundle'
import { IDBFactory } from 'fake-indexeddb'
import type { Kysely } from 'kysely'
import { Miniflare } from 'miniflare'
import { createStorage, type StorageProvider } from '../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../src/indexeddb.js'
import { sqliteAdapter } from '../src/sqlite.js'
import { createSyncClient, createSyncServer } from '../src/sync.js'
import { startPageServer } from '../test/e2e/page-server.js'
import type { ChromiumSyncPullRow, SyncBenchRow } from './measure.js'
import type { PagePull } from './sync-pull.bench.js'
import { type InventoryDB, migrations, mutators, tables } from '../test/sync/inventory-sync.js'

const ITEMS = 10_000
const SALES = 1_000
const ENDPOINT = 'https://inventory.test/api/sync'

/** Initial pulls into a Chromium client per server: the first (cold) and these many more. */
const CHROMIUM_PULLS = 5

/** A sync server under test: filled with `ITEMS` items, answering sync requests. */
interface BenchServer {
  readonly name: string
  handle(request: Request): Promise<Response>
  /** Rows in the change log plus the sum of clients' last mutation ids: any server write moves it. */
  writes(): Promise<number>
  close(): Promise<void>
}

export async function runSyncBenchmark(): Promise<SyncBenchRow[]> {
  return withServers(measure)
}

/** Runs `measure` against a SQLite server and a D1 server inside workerd, each on a new database. */
async function withServers<T>(measure: (server: BenchServer) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  for (const open of [openSqliteServer, openD1Server]) {
    const server = await open()
    try {
      results.push(await measure(server))
    } finally {
      await server.close()
    }
  }
  return results
}

async function openSqliteServer(): Promise<BenchServer> {
  const storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter() })
  await storage.migrate(migrations)
  await seed(storage.db)
  const sync = createSyncServer<InventoryDB>({ storage, mutators, tables })
  return {
    name: 'sqlite (better-sqlite3, memory, in this process)',
    handle: (request) => sync.handle(request),
    writes: () => serverWrites(storage),
    close: () => storage.close(),
  }
}

async function openD1Server(): Promise<BenchServer> {
  const miniflare = new Miniflare({
    modules: true,
    script: await bundleWorker(fileURLToPath(new URL('./sync-server-worker.ts', import.meta.url))),
    compatibilityDate: '2026-04-01',
    d1Databases: ['DB'],
  })
  const seeded = await miniflare.dispatchFetch(`http://bench.test/seed?items=${ITEMS}`)
  if (!seeded.ok) throw new Error(`seeding the D1 server answered ${seeded.status}: ${await seeded.text()}`)
  const database = await miniflare.getD1Database('DB')
  return {
    name: 'd1 (Miniflare, server inside workerd)',
    async handle(request) {
      const answer = await miniflare.dispatchFetch(request.url, {
        method: request.method,
        headers: { 'content-type': request.headers.get('content-type') ?? 'application/json' },
        body: await request.text(),
      })
      return new Response(await answer.text(), {
        status: answer.status,
        headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' },
      })
    },
    async writes() {
      const row = await database
        .prepare(
          'select (select count(*) from _sync_changes) + (select coalesce(sum(last_mutation_id), 0) from _sync_clients) as n',
        )
        .first<{ n: number }>()
      return Number(row?.n ?? 0)
    },
    close: () => miniflare.dispose(),
  }
}

/**
 * The initial pull of 10,000 items into an empty client on Chromium's real IndexedDB, against each
 * server: the page server answers the page's requests to `/api/sync` with the sync server, as an
 * application's server would, over loopback. The first pull of the page (code not optimised yet)
 * is reported apart from the median of the pulls after it; the first server measured pays the
 * page's own warm-up.
 */
export async function runChromiumSyncBenchmark(): Promise<{ rows: ChromiumSyncPullRow[]; chromium: string }> {
  // The page's requests reach whichever server is being measured, on the page's own origin.
  let current: ((request: Request) => Promise<Response>) | undefined
  let serverMs = 0
  let responseBytes = 0
  const pageServer = await startPageServer(new URL('.', import.meta.url), {
    '/api/sync': async (request) => {
      const started = performance.now()
      const response = await (current as (request: Request) => Promise<Response>)(request)
      const body = await response.arrayBuffer()
      serverMs += performance.now() - started
      responseBytes += body.byteLength
      return new Response(body, { status: response.status, headers: response.headers })
    },
  })
  try {
    const page = await pageServer.browser.newPage()
    page.on('pageerror', (error) => console.error(error))
    await page.goto(`${pageServer.url}/sync.html`)
    await page.waitForFunction(() => 'initialPull' in globalThis)
    const rows = await withServers(async (server) => {
      current = (request) => server.handle(request)
      const pulls: { ms: number; serverMs: number }[] = []
      for (let round = 0; round <= CHROMIUM_PULLS; round++) {
        serverMs = 0
        responseBytes = 0
        const pull = await page.evaluate(
          (endpoint) =>
            (globalThis as unknown as { initialPull: (endpoint: string) => Promise<PagePull> }).initialPull(endpoint),
          `${pageServer.url}/api/sync`,
        )
        if (pull.state !== 'idle' || pull.items !== ITEMS) {
          throw new Error(`the Chromium client ended ${pull.state} with ${pull.items} items instead of ${ITEMS}`)
        }
        pulls.push({ ms: pull.ms, serverMs })
      }
      const [cold, ...warm] = pulls as [{ ms: number; serverMs: number }, ...{ ms: number; serverMs: number }[]]
      return {
        server: server.name,
        coldPullMs: cold.ms,
        medianPullMs: median(warm.map((pull) => pull.ms)),
        medianServerMs: median(warm.map((pull) => pull.serverMs)),
        responseBytes,
        pulls: warm.length,
      }
    })
    return { rows, chromium: pageServer.browser.version() }
  } finally {
    await pageServer.close()
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

async function measure(server: BenchServer): Promise<SyncBenchRow> {
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

  const writesBefore = await server.writes()
  requests = 0
  started = performance.now()
  await client.sync()
  const idleRoundTripMs = performance.now() - started
  const idleRequests = requests
  const idleServerWrites = (await server.writes()) - writesBefore

  await storage.close()
  return {
    server: server.name,
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

async function serverWrites(storage: StorageProvider<InventoryDB>): Promise<number> {
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
  return Number(changes.count) + Number(clients.sum ?? 0)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runSyncBenchmark())
  console.table((await runChromiumSyncBenchmark()).rows)
}
