import type { Kysely } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { StorageProvider } from '../../src/index.js'
import { createSyncClient, defineMutators } from '../../src/sync.js'
import { type InventoryDB, mutators, tables } from './inventory-sync.js'

describe('sync types', () => {
  it('types client.mutate by the mutators: names and arguments', () => {
    const client = createSyncClient({
      storage: {} as StorageProvider<InventoryDB>,
      mutators,
      endpoint: '/api/sync',
      tables,
    })
    expectTypeOf(client.mutate.rename).parameter(0).toEqualTypeOf<{ itemId: string; name: string }>()
    expectTypeOf(client.mutate.adjust).returns.toEqualTypeOf<Promise<void>>()
    // @ts-expect-error: no such mutator
    client.mutate.noSuchMutator
    // @ts-expect-error: wrong argument type
    void client.mutate.rename({ itemId: 1, name: 'x' })
  })

  it('checks mutators against the schema given explicitly, and tables against it', () => {
    defineMutators<InventoryDB>({
      // @ts-expect-error: no such table in the schema
      bad: async (db: Kysely<InventoryDB>) => void (await db.selectFrom('nope').selectAll().execute()),
    })
    createSyncClient({
      storage: {} as StorageProvider<InventoryDB>,
      mutators,
      endpoint: '/api/sync',
      // @ts-expect-error: not a table of the schema
      tables: ['items', 'nope'],
    })
  })
})
