import type { Kysely } from 'kysely'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CheckConstraintError, StorageError, type StorageProvider } from '../../src/index.js'
import { InPageLockManager } from '../../src/indexeddb.js'
import { createSyncClient, createSyncServer, type SyncServer } from '../../src/sync.js'
import type { AdapterHarness } from '../support/adapter-harness.js'
import { adapterHarnesses } from '../support/adapter-harnesses.js'
import { connectSyncClient, openSyncClient, openSyncServer } from './sync-fixtures.js'
import { type InventoryDB, migrations, mutators, snapshot, tables } from './inventory-sync.js'

const ENDPOINT = 'https://inventory.test/api/sync'

const servers = { sqlite: adapterHarnesses.sqliteFile(), d1: adapterHarnesses.d1() }
const clients = {
  indexeddb: adapterHarnesses.indexedDb(),
  'local-storage': adapterHarnesses.localStorage(),
  sqlite: adapterHarnesses.sqliteMemory(),
}
afterAll(async () => {
  for (const harness of [...Object.values(servers), ...Object.values(clients)]) await harness.dispose()
})

/** Server and client combinations: each client adapter against sqlite, and the browser one against D1. */
const pairs: [string, AdapterHarness, AdapterHarness][] = [
  ['sqlite server, indexeddb client', servers.sqlite, clients.indexeddb],
  ['sqlite server, local-storage client', servers.sqlite, clients['local-storage']],
  ['sqlite server, sqlite client', servers.sqlite, clients.sqlite],
  ['d1 server, indexeddb client', servers.d1, clients.indexeddb],
]

/** A transport to `server` that records, for each answer, whether it reset the client. */
function watchResets(server: SyncServer) {
  const resets: boolean[] = []
  const watched = (request: Request) =>
    server.handle(request).then(async (response) => {
      resets.push(((await response.clone().json()) as { reset: boolean }).reset)
      return response
    })
  return { resets, watched }
}

for (const [name, serverHarness, clientHarness] of pairs) {
  describe(`sync: ${name}`, () => {
    afterEach(async () => {
      await serverHarness.cleanup()
      await clientHarness.cleanup()
    })

    const setup = { migrations, mutators, tables }
    const openServer = () => openSyncServer<InventoryDB, typeof mutators>(serverHarness, setup)
    const openClient = (server: SyncServer, transport?: (request: Request) => Promise<Response>) =>
      openSyncClient<InventoryDB, typeof mutators>(clientHarness, setup, server, transport)

    const createItem = (id: string, quantity: number) => ({ id, sku: `SKU-${id}`, name: `Item ${id}`, quantity })

    it('gives an empty client every row, then only what changed', async () => {
      const server = await openServer()
      await server.storage.db
        .insertInto('items')
        .values({ ...createItem('a', 5), photo: new Uint8Array([0, 255]) })
        .execute()
      const { storage, client } = await openClient(server.sync)

      expect(await client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      expect(await snapshot(storage.db)).toEqual(await snapshot(server.storage.db))
      const { photo } = await storage.db.selectFrom('items').select('photo').executeTakeFirstOrThrow()
      expect(photo).toBeInstanceOf(Uint8Array)
      expect(Array.from(photo as Uint8Array)).toEqual([0, 255])

      // A write on the server outside sync (an admin, a script) reaches the client too.
      await server.storage.db.updateTable('items').set({ name: 'Renamed on the server' }).execute()
      await server.storage.db
        .insertInto('items')
        .values({ ...createItem('b', 1), photo: null })
        .execute()
      await client.sync()
      expect(await snapshot(storage.db)).toEqual(await snapshot(server.storage.db))
      await server.storage.db.deleteFrom('items').where('id', '=', 'b').execute()
      await client.sync()
      expect((await snapshot(storage.db)).items.map((item) => item.id)).toEqual(['a'])
    })

    it('applies a mutation locally at once, then on the server, exactly once', async () => {
      const server = await openServer()
      const { storage, client } = await openClient(server.sync)
      await client.mutate.createItem(createItem('a', 5))
      expect(client.status.pending).toBe(1)
      expect(await storage.db.selectFrom('items').select('quantity').executeTakeFirst()).toEqual({ quantity: 5 })
      expect(await server.storage.db.selectFrom('items').selectAll().execute()).toEqual([])

      await client.sync()
      expect(client.status).toMatchObject({ state: 'idle', pending: 0 })
      expect(await snapshot(server.storage.db)).toEqual(await snapshot(storage.db))
      expect((await snapshot(server.storage.db)).movements).toHaveLength(1)
      await client.sync()
      expect((await snapshot(server.storage.db)).movements).toHaveLength(1)
    })

    it('merges two offline sales of the same item as counters: 5 − 1 − 1 = 3 everywhere', async () => {
      const server = await openServer()
      const first = await openClient(server.sync)
      const second = await openClient(server.sync)
      await first.client.mutate.createItem(createItem('a', 5))
      await first.client.sync()
      await second.client.sync()

      await first.client.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -1, note: 'sale' })
      await second.client.mutate.adjust({ movementId: 'm2', itemId: 'a', delta: -1, note: 'sale' })
      await first.client.sync()
      await second.client.sync()
      await first.client.sync()

      for (const replica of [server.storage, first.storage, second.storage]) {
        const { items, movements } = await snapshot(replica.db)
        expect(items[0]?.quantity).toBe(3)
        expect(movements.map((movement) => movement.id)).toEqual(['a:opening', 'm1', 'm2'])
      }
    })

    it('reports a sale the server refuses with its typed error, drops its effect, and applies the ones after it', async () => {
      const server = await openServer()
      const seller = await openClient(server.sync)
      const other = await openClient(server.sync)
      await seller.client.mutate.createItem(createItem('a', 2))
      await seller.client.sync()
      await other.client.sync()

      await other.client.mutate.adjust({ movementId: 'other', itemId: 'a', delta: -2, note: 'sold out elsewhere' })
      await other.client.sync()
      // Offline, the seller still sees 2 and sells 1: locally fine, refused by the server.
      await seller.client.mutate.adjust({ movementId: 'late', itemId: 'a', delta: -1, note: 'sale' })
      await seller.client.mutate.rename({ itemId: 'a', name: 'Still renamed' })
      expect((await snapshot(seller.storage.db)).items[0]?.quantity).toBe(1)

      await seller.client.sync()
      expect(seller.rejected).toHaveLength(1)
      expect(seller.rejected[0]).toMatchObject({ name: 'adjust', args: { movementId: 'late' } })
      expect(seller.rejected[0]?.error).toBeInstanceOf(CheckConstraintError)
      const { items, movements } = await snapshot(seller.storage.db)
      expect(items[0]).toMatchObject({ quantity: 0, name: 'Still renamed' })
      expect(movements.map((movement) => movement.id)).toEqual(['a:opening', 'other'])
      expect(await snapshot(seller.storage.db)).toEqual(await snapshot(server.storage.db))
      expect(seller.client.status.pending).toBe(0)
    })

    it('applies a push once when its answer was lost, and keeps pending work through a rebase', async () => {
      const server = await openServer()
      let loseAnswers = false
      const { storage, client } = await openClient(server.sync, async (request) => {
        const response = await server.sync.handle(request)
        if (loseAnswers) throw new TypeError('network connection lost')
        return response
      })
      await client.mutate.createItem(createItem('a', 5))
      loseAnswers = true
      await client.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -2, note: 'sale' })
      expect(await client.sync()).toMatchObject({ state: 'offline', pending: 2 })
      expect((await snapshot(server.storage.db)).items[0]?.quantity).toBe(3)

      loseAnswers = false
      await client.mutate.adjust({ movementId: 'm2', itemId: 'a', delta: -1, note: 'sale' })
      await client.sync()
      expect((await snapshot(server.storage.db)).items[0]?.quantity).toBe(2)
      expect(await snapshot(storage.db)).toEqual(await snapshot(server.storage.db))
    })

    it('shows the server state with pending local work on top after every pull', async () => {
      const server = await openServer()
      const online = await openClient(server.sync)
      let offline = false
      const { storage, client } = await openClient(server.sync, (request) =>
        offline ? Promise.reject(new TypeError('offline')) : server.sync.handle(request),
      )
      await online.client.mutate.createItem(createItem('a', 10))
      await online.client.sync()
      await client.sync()

      offline = true
      await client.mutate.adjust({ movementId: 'mine', itemId: 'a', delta: -3, note: 'sale' })
      await online.client.mutate.adjust({ movementId: 'theirs', itemId: 'a', delta: -4, note: 'sale' })
      await online.client.sync()
      // Pull without push: the server's −4 and my unacknowledged −3.
      offline = false
      const pull = connectSyncClient(storage, setup, server.sync)
      await pull.sync()
      expect((await snapshot(storage.db)).items[0]?.quantity).toBe(3)
      expect((await snapshot(server.storage.db)).items[0]?.quantity).toBe(3)
    })

    it('compacts the change log: clients that kept up go on incrementally, those left behind get every row', async () => {
      const server = await openServer()
      const { resets, watched } = watchResets(server.sync)
      const early = await openClient(server.sync, watched) // syncs once on an empty log: cursor 0
      const current = await openClient(server.sync, watched)
      const behind = await openClient(server.sync, watched)
      await early.client.sync()
      await current.client.mutate.createItem(createItem('a', 5))
      await current.client.mutate.createItem(createItem('b', 5))
      await current.client.sync()
      await behind.client.sync()

      // What the client left behind misses: a sale, a deleted item, a new one; and it sells offline.
      await current.client.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -1, note: 'sale' })
      await current.client.mutate.createItem(createItem('c', 2))
      await current.client.sync()
      await server.storage.db.deleteFrom('items').where('id', '=', 'b').execute()
      await current.client.sync()
      await behind.client.mutate.adjust({ movementId: 'm2', itemId: 'a', delta: -1, note: 'sale' })

      const logLength = async () =>
        Number(
          (
            await (server.storage.db as unknown as Kysely<any>)
              .selectFrom('_sync_changes')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      const before = await logLength()
      const result = await server.sync.compact({ keep: 1 })
      expect(result.removed).toBe(before - 1)
      expect(await logLength()).toBe(1)
      expect(result.oldestKept).toBeGreaterThan(1)
      expect(await server.sync.compact({ keep: 1 })).toEqual({ removed: 0, oldestKept: result.oldestKept })

      resets.length = 0
      await behind.client.sync()
      await current.client.sync()
      await early.client.sync()
      expect(resets).toEqual([true, false, true])
      const truth = await snapshot(server.storage.db)
      expect(truth.items.map((item) => [item.id, item.quantity])).toEqual([
        ['a', 3],
        ['c', 2],
      ])
      for (const replica of [current, behind, early]) expect(await snapshot(replica.storage.db)).toEqual(truth)

      // After the reset, the client that was behind follows incrementally again.
      resets.length = 0
      await server.storage.db.updateTable('items').set({ name: 'Renamed' }).where('id', '=', 'c').execute()
      await behind.client.sync()
      expect(resets).toEqual([false])
      expect(await snapshot(behind.storage.db)).toEqual(await snapshot(server.storage.db))
    })

    it('compacts at a client’s cursor, beyond the log, and while clients push and pull, losing nothing', async () => {
      const server = await openServer()
      const { resets, watched } = watchResets(server.sync)
      const seller = await openClient(server.sync, watched)
      const reader = await openClient(server.sync, watched)
      await seller.client.mutate.createItem(createItem('a', 20))
      await seller.client.sync()
      await reader.client.sync()

      // keep beyond the log's length removes nothing.
      const kept = await server.sync.compact({ keep: 1_000_000 })
      expect(kept.removed).toBe(0)
      expect(await server.sync.compact({ keep: 1_000_000 })).toEqual(kept)
      // keep: 1 keeps exactly the entry the reader's cursor is at: it goes on incrementally.
      expect((await server.sync.compact({ keep: 1 })).removed).toBeGreaterThan(0)
      resets.length = 0
      await reader.client.sync()
      expect(resets).toEqual([false])

      // Compactions racing with pushes and pulls: every sale arrives once, every replica converges.
      for (let sale = 0; sale < 6; sale++) {
        await seller.client.mutate.adjust({ movementId: `m${sale}`, itemId: 'a', delta: -1, note: 'sale' })
      }
      await Promise.all([
        seller.client.sync(),
        server.sync.compact({ keep: 1 }),
        reader.client.sync(),
        server.sync.compact({ keep: 2 }),
        reader.client.sync(),
      ])
      await seller.client.sync()
      await reader.client.sync()
      const truth = await snapshot(server.storage.db)
      expect(truth.items.map((item) => item.quantity)).toEqual([14])
      for (const replica of [seller, reader]) expect(await snapshot(replica.storage.db)).toEqual(truth)
    })

    it('refuses to compact the change log to nothing, with a typed error', async () => {
      const server = await openServer()
      for (const keep of [0, -1, 1.5, Number.NaN]) {
        await expect(server.sync.compact({ keep })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' })
      }
    })

    it('refuses a client on another schema with a typed error, and changes nothing', async () => {
      const server = await openServer()
      const storage = (await clientHarness.open<InventoryDB>()) as StorageProvider<InventoryDB>
      await storage.migrate({
        ...migrations,
        '0002_more': { up: async (db) => void (await db.schema.createTable('x').addColumn('y', 'text').execute()) },
      })
      const client = connectSyncClient(storage, setup, server.sync)
      await client.mutate.createItem(createItem('a', 1))
      const status = await client.sync()
      expect(status.state).toBe('error')
      expect(status.error).toBeInstanceOf(StorageError)
      expect(status.error?.code).toBe('MIGRATION_FAILED')
      expect(status.pending).toBe(1)
      expect(await server.storage.db.selectFrom('items').selectAll().execute()).toEqual([])
    })
  })
}

describe('sync: two tabs of one browser (indexeddb)', () => {
  afterEach(async () => {
    await servers.sqlite.cleanup()
    await clients.indexeddb.cleanup()
  })

  it('share one outbox, sync one at a time, and each mutation reaches the server once', async () => {
    const serverStorage = await servers.sqlite.open<InventoryDB>()
    await serverStorage.migrate(migrations)
    let requests = 0
    let inFlight = 0
    let overlapped = false
    const server = createSyncServer<InventoryDB>({ storage: serverStorage, mutators, tables })
    const transport = async (request: Request) => {
      requests++
      overlapped ||= inFlight > 0
      inFlight++
      try {
        await new Promise((resolve) => setTimeout(resolve, 5))
        return await server.handle(request)
      } finally {
        inFlight--
      }
    }
    const first = await clients.indexeddb.open<InventoryDB>()
    await first.migrate(migrations)
    const second = (await clients.indexeddb.openTab?.(first)) as StorageProvider<InventoryDB>
    const locks = new InPageLockManager()
    const options = { mutators, endpoint: ENDPOINT, tables, fetch: transport, locks }
    const tabOne = createSyncClient({ ...options, storage: first })
    const tabTwo = createSyncClient({ ...options, storage: second })

    const seen: string[][] = []
    second.onChange((event) => seen.push([...event.tables]))
    await tabOne.mutate.createItem({ id: 'a', sku: 'A', name: 'A', quantity: 5 })
    await tabTwo.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -1, note: 'sale' })
    expect(seen.flat()).toContain('items')

    const statuses = await Promise.all([tabOne.sync(), tabTwo.sync(), tabOne.sync(), tabTwo.sync()])
    expect(statuses.map((status) => status.error?.message ?? status.state)).toEqual(['idle', 'idle', 'idle', 'idle'])
    expect(overlapped).toBe(false)
    expect(requests).toBeGreaterThanOrEqual(1)
    const truth = await snapshot(serverStorage.db)
    expect(truth.items[0]?.quantity).toBe(4)
    expect(truth.movements.map((movement) => movement.id)).toEqual(['a:opening', 'm1'])
    expect(await snapshot(first.db)).toEqual(truth)
    expect(await snapshot(second.db)).toEqual(truth)
  })
})

describe('sync server: requests it refuses', () => {
  afterEach(() => servers.sqlite.cleanup())

  it('answers malformed, oversized, unauthorised and non-POST requests with a 4xx and a code', async () => {
    const storage = await servers.sqlite.open<InventoryDB>()
    await storage.migrate(migrations)
    const server = createSyncServer<InventoryDB>({
      storage,
      mutators,
      tables,
      maxBodyBytes: 2048,
      authorize: (request) => request.headers.get('authorization') === 'Bearer yes',
    })
    const post = (body: string, authorization = 'Bearer yes') =>
      server.handle(new Request(ENDPOINT, { method: 'POST', body, headers: { authorization } }))
    const codeOf = async (response: Response) => [response.status, ((await response.json()) as any).error.code]
    const valid = {
      protocol: 1,
      clientId: 'c1',
      schema: '0001_inventory',
      cursor: null,
      acknowledged: 0,
      mutations: [],
    }

    expect(await codeOf(await server.handle(new Request(ENDPOINT)))).toEqual([405, 'method_not_allowed'])
    expect(await codeOf(await post(JSON.stringify(valid), 'Bearer no'))).toEqual([401, 'unauthorized'])
    expect(await codeOf(await post('{"protocol": 1,'))).toEqual([400, 'bad_request'])
    expect(await codeOf(await post(JSON.stringify({ ...valid, protocol: 2 })))).toEqual([400, 'protocol_mismatch'])
    expect(await codeOf(await post(JSON.stringify({ ...valid, clientId: 'x'.repeat(65) })))).toEqual([
      400,
      'bad_request',
    ])
    const unordered = [
      { id: 2, name: 'rename', args: {} },
      { id: 1, name: 'rename', args: {} },
    ]
    expect(await codeOf(await post(JSON.stringify({ ...valid, mutations: unordered })))).toEqual([400, 'bad_request'])
    expect(await codeOf(await post(JSON.stringify({ ...valid, pad: 'x'.repeat(4096) })))).toEqual([413, 'too_large'])
    expect(await codeOf(await post(JSON.stringify({ ...valid, schema: 'other' })))).toEqual([409, 'schema_mismatch'])
    const fine = await post(JSON.stringify(valid))
    expect(fine.status).toBe(200)
    expect(await fine.json()).toMatchObject({ protocol: 1, lastMutationId: 0, reset: true, rejected: [] })
  })

  it('rejects a mutation it does not know, and one that reads, on D1, without holding back the next', async () => {
    const storage = await servers.d1.open<InventoryDB>()
    await storage.migrate(migrations)
    const reading = {
      ...mutators,
      async sellIfInStock(db: any, args: { itemId: string }) {
        const item = await db.selectFrom('items').select('quantity').where('id', '=', args.itemId).executeTakeFirst()
        if (item && item.quantity > 0)
          await db
            .updateTable('items')
            .set({ quantity: item.quantity - 1 })
            .execute()
      },
    }
    const server = createSyncServer<InventoryDB>({ storage, mutators: reading, tables })
    const response = await server.handle(
      new Request(ENDPOINT, {
        method: 'POST',
        body: JSON.stringify({
          protocol: 1,
          clientId: 'c1',
          schema: '0001_inventory',
          cursor: null,
          acknowledged: 0,
          mutations: [
            { id: 1, name: 'createItem', args: { id: 'a', sku: 'A', name: 'A', quantity: 1 } },
            { id: 2, name: 'sellIfInStock', args: { itemId: 'a' } },
            { id: 3, name: 'noSuchMutator', args: {} },
            { id: 4, name: 'rename', args: { itemId: 'a', name: 'after' } },
          ],
        }),
      }),
    )
    const body = (await response.json()) as any
    expect(response.status).toBe(200)
    expect(body.lastMutationId).toBe(4)
    expect(body.rejected.map((rejection: any) => [rejection.id, rejection.error.code])).toEqual([
      [2, 'UNSUPPORTED_OPERATION'],
      [3, 'UNSUPPORTED_OPERATION'],
    ])
    expect(body.rejected[0].error.message).toContain('reads')
    expect(await storage.db.selectFrom('items').select(['quantity', 'name']).execute()).toEqual([
      { quantity: 1, name: 'after' },
    ])
    await servers.d1.cleanup()
  })
})
