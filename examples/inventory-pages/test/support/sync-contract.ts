import { CheckConstraintError, createStorage, type StorageProvider, UniqueConstraintError } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { createSyncClient, type RejectedMutation } from '@inventory/storage/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../../src/domain/migrations.js'
import { inventoryMutators, newItemId, SYNCED_TABLES } from '../../src/domain/mutators.js'
import type { InventoryDB, Item, Movement } from '../../src/domain/schema.js'
import type { ApiServer } from './api-contract.js'

/** A device of the offline-first mode: a replica (SQLite in memory here) and its sync client, with a network switch. */
interface Device {
  readonly storage: StorageProvider<InventoryDB>
  readonly client: ReturnType<typeof createDeviceClient>
  readonly rejected: RejectedMutation[]
  online: boolean
  items(): Promise<Item[]>
  item(sku: string): Promise<Item | undefined>
}

function createDeviceClient(
  storage: StorageProvider<InventoryDB>,
  url: string,
  device: { online: boolean },
  token?: string,
) {
  return createSyncClient({
    storage,
    mutators: inventoryMutators,
    endpoint: `${url}/api/sync`,
    tables: SYNCED_TABLES,
    headers: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
    fetch: (request) => {
      // What fetch does without a network: a TypeError, before anything reaches the server.
      if (!device.online) return Promise.reject(new TypeError('fetch failed'))
      return fetch(request)
    },
  })
}

const at = () => new Date().toISOString()

/**
 * The offline-first mode's server side, `POST /api/sync`, through the library's sync client as the
 * page uses it (its replica on SQLite in memory instead of IndexedDB): the same answers from the
 * Node server and from Pages Functions on D1.
 */
export function describeSyncContract(name: string, start: (options?: { apiToken?: string }) => Promise<ApiServer>) {
  describe(`sync endpoint: ${name}`, () => {
    let server: ApiServer
    const devices: Device[] = []
    beforeAll(async () => {
      server = await start()
    })
    afterAll(async () => {
      for (const device of devices) await device.storage.close()
      await server?.close()
    })

    const openDevice = async (token?: string): Promise<Device> => {
      const storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ filename: ':memory:' }) })
      await storage.migrate(migrations)
      const state = { online: true }
      const client = createDeviceClient(storage, server.url, state, token)
      const rejected: RejectedMutation[] = []
      client.onRejected((rejection) => rejected.push(rejection))
      const device: Device = {
        storage,
        client,
        rejected,
        get online() {
          return state.online
        },
        set online(value) {
          state.online = value
        },
        items: () => storage.db.selectFrom('items').selectAll().orderBy('id').execute(),
        item: (sku) => storage.db.selectFrom('items').selectAll().where('sku', '=', sku).executeTakeFirst(),
      }
      devices.push(device)
      return device
    }
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(server.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: response.status === 204 ? null : await response.json() }
    }
    const createOnServer = async (sku: string, quantity: number): Promise<Item> => {
      const { status, body } = await api('POST', '/api/items', { sku, name: `Item ${sku}`, quantity })
      expect(status).toBe(201)
      return body.item
    }
    const serverItem = async (id: number) =>
      (await api('GET', `/api/items/${id}`)).body as { item: Item; movements: Movement[] }
    const serverItems = async () => ((await api('GET', '/api/items')).body.items as Item[]).sort((a, b) => a.id - b.id)

    it('leaves 3 of 5 when two devices each sell 1, one of them offline, and loses no sale', async () => {
      const item = await createOnServer('SYNC-SELL', 5)
      const [first, second] = [await openDevice(), await openDevice()]
      expect((await first.client.sync()).state).toBe('idle')
      expect((await second.client.sync()).state).toBe('idle')
      expect((await second.item('SYNC-SELL'))?.quantity).toBe(5)

      second.online = false
      await first.client.mutate.adjustStock({ id: item.id, at: at(), delta: -1, reason: 'sale' })
      await second.client.mutate.adjustStock({ id: item.id, at: at(), delta: -1, reason: 'sale' })
      expect((await first.client.sync()).state).toBe('idle')
      const offline = await second.client.sync()
      expect(offline).toMatchObject({ state: 'offline', pending: 1 })
      // Offline, the device shows its own sale on what it last synced.
      expect((await second.item('SYNC-SELL'))?.quantity).toBe(4)
      expect((await serverItem(item.id)).item.quantity).toBe(4)

      second.online = true
      expect(await second.client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      await first.client.sync()
      const { item: after, movements } = await serverItem(item.id)
      expect(after.quantity).toBe(3)
      expect(movements.map((movement) => [movement.delta, movement.quantity_after])).toEqual([
        [-1, 3],
        [-1, 4],
        [5, 5],
      ])
      const everything = await serverItems()
      expect(await first.items()).toEqual(everything)
      expect(await second.items()).toEqual(everything)
      expect(first.rejected).toEqual([])
      expect(second.rejected).toEqual([])
    })

    it('reports a sale the server refuses (not enough stock) and shows the server’s stock after the sync', async () => {
      const item = await createOnServer('SYNC-LAST', 1)
      const device = await openDevice()
      await device.client.sync()
      device.online = false
      await device.client.mutate.adjustStock({ id: item.id, at: at(), delta: -1, reason: 'sale' })
      expect((await device.item('SYNC-LAST'))?.quantity).toBe(0)
      // Meanwhile the last one is sold at the counter, through the API.
      expect((await api('POST', `/api/items/${item.id}/adjust`, { delta: -1, reason: 'counter sale' })).status).toBe(
        200,
      )
      await api('POST', `/api/items/${item.id}/adjust`, { delta: 2, reason: 'delivery' })

      device.online = true
      expect(await device.client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      expect(device.rejected).toHaveLength(0)
      // The delivery came first, so the sale passed: 1 - 1 + 2 - 1 = 1.
      expect((await serverItem(item.id)).item.quantity).toBe(1)

      device.online = false
      await device.client.mutate.adjustStock({ id: item.id, at: at(), delta: -1, reason: 'sale' })
      await api('POST', `/api/items/${item.id}/adjust`, { delta: -1, reason: 'counter sale' })
      device.online = true
      await device.client.sync()
      expect(device.rejected).toEqual([
        expect.objectContaining({ name: 'adjustStock', args: expect.objectContaining({ delta: -1, reason: 'sale' }) }),
      ])
      expect(device.rejected[0]?.error).toBeInstanceOf(CheckConstraintError)
      const { item: onServer, movements } = await serverItem(item.id)
      expect(onServer.quantity).toBe(0)
      expect(await device.item('SYNC-LAST')).toEqual(onServer)
      const replicated = await device.storage.db
        .selectFrom('movements')
        .select(['delta', 'reason'])
        .where('item_id', '=', item.id)
        .orderBy('id', 'desc')
        .execute()
      expect(replicated).toEqual(movements.map(({ delta, reason }) => ({ delta, reason })))
    })

    it('creates an item offline under the id the device made, and applies its later sale on the server', async () => {
      const [maker, other] = [await openDevice(), await openDevice()]
      await maker.client.sync()
      maker.online = false
      const id = newItemId()
      await maker.client.mutate.createItem({
        id,
        at: at(),
        item: { sku: 'SYNC-NEW', name: 'Made offline', quantity: 5, category: 'Sync' },
      })
      await maker.client.mutate.adjustStock({ id, at: at(), delta: -2, reason: 'sale' })
      expect((await maker.item('SYNC-NEW'))?.quantity).toBe(3)
      expect((await api('GET', `/api/items/${id}`)).status).toBe(404)

      maker.online = true
      expect(await maker.client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      const { item, movements } = await serverItem(id)
      expect(item).toMatchObject({ id, sku: 'SYNC-NEW', quantity: 3, category: 'Sync' })
      expect(movements.map((movement) => movement.delta)).toEqual([-2, 5])
      await other.client.sync()
      expect(await other.item('SYNC-NEW')).toEqual(item)
      expect(await maker.item('SYNC-NEW')).toEqual(item)
    })

    it('refuses an offline item whose SKU was taken meanwhile, and still applies the changes after it', async () => {
      const kept = await createOnServer('SYNC-KEEP', 4)
      const device = await openDevice()
      await device.client.sync()
      device.online = false
      const id = newItemId()
      await device.client.mutate.createItem({ id, at: at(), item: { sku: 'SYNC-TAKEN', name: 'Mine' } })
      await device.client.mutate.adjustStock({ id: kept.id, at: at(), delta: 3, reason: 'delivery' })
      await createOnServer('SYNC-TAKEN', 1)
      device.online = true
      expect(await device.client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      expect(device.rejected.map((rejection) => rejection.name)).toEqual(['createItem'])
      const error = device.rejected[0]?.error
      expect(error).toBeInstanceOf(UniqueConstraintError)
      expect(error instanceof UniqueConstraintError && error.columns).toEqual(['sku'])
      expect((await api('GET', `/api/items/${id}`)).status).toBe(404)
      expect((await serverItem(kept.id)).item.quantity).toBe(7)
      expect(await device.item('SYNC-TAKEN')).toMatchObject({ name: 'Item SYNC-TAKEN', quantity: 1 })
      expect(await device.items()).toEqual(await serverItems())
    })

    it('brings edits and deletions made offline to the server; an edit of an item deleted meanwhile changes nothing', async () => {
      const [kept, dropped, gone] = [
        await createOnServer('SYNC-EDIT', 2),
        await createOnServer('SYNC-DROP', 1),
        await createOnServer('SYNC-GONE', 1),
      ]
      const device = await openDevice()
      await device.client.sync()
      device.online = false
      await device.client.mutate.updateItem({
        id: kept.id,
        at: at(),
        changes: { sku: 'SYNC-EDITED', location: 'Aisle 9' },
      })
      await device.client.mutate.deleteItem({ id: dropped.id })
      await device.client.mutate.updateItem({ id: gone.id, at: at(), changes: { name: 'Renamed offline' } })
      expect(await device.item('SYNC-DROP')).toBeUndefined()
      // Meanwhile someone deletes the item the device renames.
      expect((await api('DELETE', `/api/items/${gone.id}`)).status).toBe(204)
      device.online = true
      expect(await device.client.sync()).toMatchObject({ state: 'idle', pending: 0 })
      expect(device.rejected).toEqual([])
      expect((await serverItem(kept.id)).item).toMatchObject({ sku: 'SYNC-EDITED', location: 'Aisle 9', quantity: 2 })
      expect((await api('GET', `/api/items/${dropped.id}`)).status).toBe(404)
      expect((await api('GET', `/api/items/${gone.id}`)).status).toBe(404)
      expect((await api('GET', `/api/movements?item_id=${dropped.id}`)).body.movements).toEqual([])
      expect(await device.items()).toEqual(await serverItems())
    })

    it('refuses mutations with invalid arguments on the server, as the API refuses such requests', async () => {
      const item = await createOnServer('SYNC-BAD', 2)
      const device = await openDevice()
      const { body: first } = await rawSync(server.url, { clientId: 'hostile-client-1', mutations: [] })
      expect(first).toMatchObject({ lastMutationId: 0 })
      const { status, body } = await rawSync(server.url, {
        clientId: 'hostile-client-1',
        cursor: first.cursor,
        cursorTag: first.cursorTag,
        mutations: [
          { id: 1, name: 'adjustStock', args: { id: item.id, at: at(), delta: '-1; drop table items', reason: 'x' } },
          { id: 2, name: 'createItem', args: { id: 7, at: at(), item: { sku: 'SYNC-SMALL-ID', name: 'Low id' } } },
          { id: 3, name: 'adjustStock', args: { id: item.id, at: 'yesterday', delta: -1, reason: 'sale' } },
          { id: 4, name: 'dropEverything', args: {} },
          // The API stamps its own times; a client's time is the user's, but must be one as toISOString() writes it.
          {
            id: 5,
            name: 'createItem',
            args: {
              id: newItemId(),
              at: `2026-01-01T00:00:00.${'1'.repeat(100_000)}Z`,
              item: { sku: 'SYNC-LONG-AT', name: 'x' },
            },
          },
          { id: 6, name: 'adjustStock', args: { id: item.id, at: '2026-01-01T00:00:00Z', delta: -1, reason: 'sale' } },
          { id: 7, name: 'adjustStock', args: { id: item.id, at: at(), delta: -1, reason: 'sale' } },
        ],
      })
      expect(status).toBe(200)
      expect(body.lastMutationId).toBe(7)
      expect(body.rejected.map((rejection: { id: number }) => rejection.id)).toEqual([1, 2, 3, 4, 5, 6])
      expect(body.rejected[0].error.message).toMatch(/invalid delta/)
      expect(body.rejected[1].error.message).toMatch(/invalid id/)
      expect(body.rejected[4].error.message).toMatch(/invalid at/)
      expect((await api('GET', '/api/items?q=SYNC-LONG-AT')).body.items).toEqual([])
      expect((await serverItem(item.id)).item.quantity).toBe(1)
      expect((await api('GET', '/api/items?q=SYNC-SMALL-ID')).body.items).toEqual([])
      await device.client.sync()
      expect((await device.item('SYNC-BAD'))?.quantity).toBe(1)
    })

    it('refuses a sync from a page of another site, and anything but POST', async () => {
      const crossSite = await fetch(`${server.url}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://attacker.example' },
        body: JSON.stringify(syncBody({ clientId: 'cross-site-1', mutations: [] })),
      })
      expect(crossSite.status).toBe(403)
      expect((await crossSite.json()).error.message).toMatch(/only with the server's write token/)
      // The page may read why: a server without a token accepts no sync from another site.
      expect(crossSite.headers.get('access-control-allow-origin')).toBe('*')
      expect((await fetch(`${server.url}/api/sync`)).status).toBe(405)
      // A form or text/plain body is what another site's page can send without asking first: a write must be JSON.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const plain = await fetch(`${server.url}/api/sync`, {
          method: 'POST',
          headers: { 'content-type': type },
          body: JSON.stringify(syncBody({ clientId: 'plain-text-1', mutations: [] })),
        })
        expect(plain.status, type).toBe(415)
        expect((await plain.json()).error.code).toBe('unsupported_media_type')
      }
    })

    it('answers a browser’s preflight for a sync from another site with the token', async () => {
      const preflight = await fetch(`${server.url}/api/sync`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://browser-only.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST')
      expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type')
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull()
      // Only the sync endpoint opens to other sites.
      const items = await fetch(`${server.url}/api/items`, { method: 'OPTIONS' })
      expect(items.status).toBe(405)
      expect(items.headers.get('access-control-allow-origin')).toBeNull()
    })
  })

  describe(`sync endpoint with a write token: ${name}`, () => {
    let server: ApiServer
    let storage: StorageProvider<InventoryDB> | undefined
    beforeAll(async () => {
      server = await start({ apiToken: 'sync-secret' })
    })
    afterAll(async () => {
      await storage?.close()
      await server?.close()
    })

    it('needs the bearer token the API needs for writes, for pulls and pushes alike', async () => {
      const refused = await rawSync(server.url, { clientId: 'no-token-1', mutations: [] })
      expect(refused.status).toBe(401)
      expect(refused.body).toMatchObject({ error: { code: 'unauthorized' } })
      const wrong = await rawSync(server.url, { clientId: 'no-token-1', mutations: [] }, 'not-the-token')
      expect(wrong.status).toBe(401)

      storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ filename: ':memory:' }) })
      await storage.migrate(migrations)
      const id = newItemId()
      const withToken = createDeviceClient(storage, server.url, { online: true }, 'sync-secret')
      await withToken.mutate.createItem({ id, at: at(), item: { sku: 'SYNC-TOKEN', name: 'With token' } })
      expect(await withToken.sync()).toMatchObject({ state: 'idle', pending: 0 })
      const created = await fetch(`${server.url}/api/items/${id}`)
      expect(created.status).toBe(200)
    })

    it('lets a page of another site sync with the token (not ambient authority), and nothing else', async () => {
      const crossSite = (
        token: string,
        path = '/api/sync',
        body: unknown = syncBody({ clientId: 'other-site-1', mutations: [] }),
      ) =>
        fetch(server.url + path, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            origin: 'https://browser-only.example',
            'sec-fetch-site': 'cross-site',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify(body),
        })
      const allowed = await crossSite('sync-secret')
      expect(allowed.status).toBe(200)
      expect(allowed.headers.get('access-control-allow-origin')).toBe('*')
      expect(await allowed.json()).toMatchObject({ lastMutationId: 0, reset: true })
      const wrongToken = await crossSite('not-the-token')
      expect(wrongToken.status).toBe(401)
      expect(wrongToken.headers.get('access-control-allow-origin')).toBe('*')
      const otherRoute = await crossSite('sync-secret', '/api/items', { sku: 'CROSS-1', name: 'From elsewhere' })
      expect(otherRoute.status).toBe(403)
      expect(otherRoute.headers.get('access-control-allow-origin')).toBeNull()
    })
  })
}

/** The last migration's name: what a client on the current schema sends. */
const SCHEMA = Object.keys(migrations).sort().at(-1) as string

function syncBody(fields: { clientId: string; mutations: unknown[]; cursor?: number; cursorTag?: string | null }) {
  return {
    protocol: 1,
    schema: SCHEMA,
    cursor: null,
    cursorTag: null,
    acknowledged: 0,
    ...fields,
  }
}

/** A sync request written by hand, as a client other than the library's could send it. */
async function rawSync(
  url: string,
  fields: Parameters<typeof syncBody>[0],
  token?: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/api/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(syncBody(fields)),
  })
  return { status: response.status, body: await response.json() }
}
