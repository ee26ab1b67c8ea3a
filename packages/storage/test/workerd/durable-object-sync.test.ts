import { describe, expect, it } from 'vitest'
import { SYNC_PROTOCOL_VERSION } from '../../src/sync/sync-protocol.js'
import { type InventoryDB, migrations, mutators, tables } from '../sync/inventory-sync.js'
import { openSyncServer, SYNC_ENDPOINT } from '../sync/sync-fixtures.js'
import { durableObjectHarness, runEachTestInANewDurableObject } from './durable-object-harness.js'

runEachTestInANewDurableObject()

const push = (mutations: { id: number; name: string; args: unknown }[]) =>
  new Request(SYNC_ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      protocol: SYNC_PROTOCOL_VERSION,
      clientId: 'durable-object-client',
      schema: '0001_inventory',
      cursor: null,
      cursorTag: null,
      acknowledged: 0,
      mutations,
    }),
  })

describe('sync server on the durable-object adapter', () => {
  it('applies a push in its transaction, each mutation in a savepoint the runtime accepts, and refuses one alone', async () => {
    const { storage, sync } = await openSyncServer<InventoryDB, typeof mutators>(durableObjectHarness(), {
      migrations,
      mutators,
      tables,
    })
    const response = await sync.handle(
      push([
        { id: 1, name: 'createItem', args: { id: 'i1', sku: 'DO-1', name: 'Vise', quantity: 2 } },
        { id: 2, name: 'adjust', args: { movementId: 'm1', itemId: 'i1', delta: -1, note: 'sale' } },
        { id: 3, name: 'adjust', args: { movementId: 'm2', itemId: 'i1', delta: -5, note: 'too many' } },
        { id: 4, name: 'rename', args: { itemId: 'i1', name: 'Bench vise' } },
      ]),
    )
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { lastMutationId: number; rejected: { id: number; error: unknown }[] }
    expect(answer.lastMutationId).toBe(4)
    expect(answer.rejected).toEqual([
      { id: 3, name: 'adjust', error: expect.objectContaining({ code: 'CHECK_CONSTRAINT' }) },
    ])
    expect(await storage.db.selectFrom('items').select(['name', 'quantity']).execute()).toEqual([
      { name: 'Bench vise', quantity: 1 },
    ])
    expect(await storage.db.selectFrom('movements').select('id').orderBy('id').execute()).toEqual([
      { id: 'i1:opening' },
      { id: 'm1' },
    ])
    await storage.close()
  })
})
