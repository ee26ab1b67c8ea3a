import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { StorageProvider } from '../../src/index.js'
import { createSyncClient, createSyncServer } from '../../src/sync.js'
import { chromiumAdapterHarnesses } from '../support/chromium-adapter-harnesses.js'
import { type InventoryDB, migrations, mutators, snapshot, tables } from '../sync/inventory-sync.js'

const ENDPOINT = 'https://inventory.test/api/sync'
const harness = chromiumAdapterHarnesses.indexedDb()
afterEach(() => harness.cleanup())
afterAll(() => harness.dispose())

// The server runs in the page too (on its own IndexedDB database): the clients reach it through
// the `fetch` option. What is under test is the client on Chromium's IndexedDB and Web Locks.
describe('sync in Chromium: clients on IndexedDB, two tabs, navigator.locks', () => {
  const openServer = async () => {
    const storage = await harness.open<InventoryDB>()
    await storage.migrate(migrations)
    return { storage, sync: createSyncServer<InventoryDB>({ storage, mutators, tables }) }
  }

  it('two tabs share the outbox, sync one at a time, and each sale reaches the server once', async () => {
    const server = await openServer()
    let inFlight = 0
    let overlapped = false
    const transport = async (request: Request) => {
      overlapped ||= inFlight > 0
      inFlight++
      try {
        return await server.sync.handle(request)
      } finally {
        inFlight--
      }
    }
    const first = await harness.open<InventoryDB>()
    await first.migrate(migrations)
    const second = (await harness.openTab?.(first)) as StorageProvider<InventoryDB>
    const options = { mutators, endpoint: ENDPOINT, tables, fetch: transport }
    const tabOne = createSyncClient({ ...options, storage: first })
    const tabTwo = createSyncClient({ ...options, storage: second })

    await tabOne.mutate.createItem({ id: 'a', sku: 'A', name: 'A', quantity: 5 })
    await tabTwo.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -1, note: 'sale' })
    await tabOne.mutate.adjust({ movementId: 'm2', itemId: 'a', delta: -1, note: 'sale' })
    const statuses = await Promise.all([tabOne.sync(), tabTwo.sync(), tabOne.sync(), tabTwo.sync()])
    expect(statuses.map((status) => status.state)).toEqual(['idle', 'idle', 'idle', 'idle'])
    expect(overlapped).toBe(false)

    const truth = await snapshot(server.storage.db)
    expect(truth.items[0]?.quantity).toBe(3)
    expect(truth.movements.map((movement) => movement.id)).toEqual(['a:opening', 'm1', 'm2'])
    expect(await snapshot(first.db)).toEqual(truth)
    expect(await snapshot(second.db)).toEqual(truth)
  })

  it('keeps a sale made just before the tab closed, and sends it once when the page is back', async () => {
    const server = await openServer()
    const local = await harness.open<InventoryDB>()
    await local.migrate(migrations)
    const offline = createSyncClient({
      storage: local,
      mutators,
      endpoint: ENDPOINT,
      tables,
      fetch: () => Promise.reject(new TypeError('offline')),
    })
    await offline.mutate.createItem({ id: 'a', sku: 'A', name: 'A', quantity: 2 })
    await offline.mutate.adjust({ movementId: 'm1', itemId: 'a', delta: -1, note: 'sale' })
    expect((await offline.sync()).state).toBe('offline')

    const reopened = (await harness.reopen?.(local)) as StorageProvider<InventoryDB>
    const online = createSyncClient({
      storage: reopened,
      mutators,
      endpoint: ENDPOINT,
      tables,
      fetch: (request) => server.sync.handle(request),
    })
    expect(await online.sync()).toMatchObject({ state: 'idle', pending: 0 })
    expect(await online.sync()).toMatchObject({ state: 'idle', pending: 0 })
    const truth = await snapshot(server.storage.db)
    expect(truth.items[0]?.quantity).toBe(1)
    expect(truth.movements).toHaveLength(2)
    expect(await snapshot(reopened.db)).toEqual(truth)
  })
})
