import type { Kysely, QueryResult, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import { createStorage, type StorageEngine, type StorageProvider } from '../../src/index.js'
import { sqliteAdapter } from '../../src/sqlite.js'
import type { ConformanceDB } from '../conformance/schema.js'

describe('provider types', () => {
  it('gives a Kysely typed by the schema', async () => {
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter() })
    expectTypeOf(storage).toEqualTypeOf<StorageProvider<ConformanceDB>>()
    expectTypeOf(storage.db).toEqualTypeOf<Kysely<ConformanceDB>>()
    const rows = await storage.db.selectFrom('items').select(['sku', 'quantity', 'data']).execute()
    expectTypeOf(rows).toEqualTypeOf<{ sku: string; quantity: number; data: Uint8Array | null }[]>()
    // @ts-expect-error: no such column
    storage.db.selectFrom('items').select('no_such_column')
    // @ts-expect-error: no such table
    storage.db.selectFrom('no_such_table')
  })

  it('types batch inputs as queries of this schema and transactions as Transaction<DB>', async () => {
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter() })
    const results = await storage.batch([storage.db.insertInto('items').values({ sku: 'a', name: 'b' })])
    expectTypeOf(results).toEqualTypeOf<QueryResult<unknown>[]>()
    // @ts-expect-error: sku must be a string
    storage.batch([storage.db.insertInto('items').values({ sku: 1, name: 'b' })])
    const value = await storage.transaction(async (trx) => {
      expectTypeOf(trx).toEqualTypeOf<Transaction<ConformanceDB>>()
      return 42
    })
    expectTypeOf(value).toEqualTypeOf<number>()
  })

  it('lets an engine replace only the introspector of the SQLite dialect', () => {
    expectTypeOf<keyof StorageEngine>().toEqualTypeOf<
      | 'adapter'
      | 'capabilities'
      | 'driver'
      | 'createIntrospector'
      | 'executeBatch'
      | 'onRemoteChange'
      | 'wrapMigrationBatch'
    >()
  })
})
