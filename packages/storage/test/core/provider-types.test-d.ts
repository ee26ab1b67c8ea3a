import type { Compilable, DeleteResult, InsertResult, Kysely, QueryResult, Transaction, UpdateResult } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import {
  createStorage,
  type Placeholders,
  type PreparedQuery,
  type StorageEngine,
  type StorageProvider,
} from '../../src/index.js'
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

  it('types prepared queries end to end: values by placeholder, results as Kysely infers them', async () => {
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter() })
    const byId = storage.prepare((db, $: Placeholders<{ id: number }>) =>
      db.selectFrom('items').select(['sku', 'quantity']).where('id', '=', $('id')),
    )
    expectTypeOf(byId).toEqualTypeOf<PreparedQuery<{ id: number }, { sku: string; quantity: number }>>()
    expectTypeOf(await byId.execute({ id: 1 })).toEqualTypeOf<{ sku: string; quantity: number }[]>()
    expectTypeOf(await byId.executeTakeFirst({ id: 1 })).toEqualTypeOf<{ sku: string; quantity: number } | undefined>()
    expectTypeOf(byId.bind({ id: 1 })).toEqualTypeOf<Compilable<{ sku: string; quantity: number }>>()
    // @ts-expect-error: id is a number
    await byId.execute({ id: 'one' })
    // @ts-expect-error: the value id is missing
    await byId.execute({})
    storage.prepare((db, $: Placeholders<{ sku: number }>) => {
      const sku = $('sku')
      // @ts-expect-error: a placeholder compared with a column of another type
      return db.selectFrom('items').selectAll().where('sku', '=', sku)
    })
    storage.prepare((db, $: Placeholders<{ id: number }>) => {
      // @ts-expect-error: no value of that name was declared
      const ids = $('ids')
      return db.selectFrom('items').selectAll().where('id', '=', ids)
    })
    storage.prepare((db, $: Placeholders<{ sku: number }>) => {
      const sku = $('sku')
      // @ts-expect-error: a placeholder inserted into a column of another type
      return db.insertInto('items').values({ sku, name: 'n' })
    })

    const insert = storage.prepare((db, $: Placeholders<{ sku: string; name: string }>) =>
      db.insertInto('items').values({ sku: $('sku'), name: $('name') }),
    )
    expectTypeOf(await insert.execute({ sku: 'a', name: 'b' })).toEqualTypeOf<InsertResult[]>()
    const update = storage.prepare((db, $: Placeholders<{ id: number }>) =>
      db.updateTable('items').set({ quantity: 1 }).where('id', '=', $('id')),
    )
    expectTypeOf(await update.execute({ id: 1 })).toEqualTypeOf<UpdateResult[]>()
    const remove = storage.prepare((db, $: Placeholders<{ id: number }>) =>
      db.deleteFrom('items').where('id', '=', $('id')).returning('sku'),
    )
    expectTypeOf(await remove.execute({ id: 1 })).toEqualTypeOf<{ sku: string }[]>()
    const untouched: DeleteResult[] = await storage
      .prepare((db) => db.deleteFrom('items').where('id', '=', 1))
      .execute({})
    expectTypeOf(untouched).toEqualTypeOf<DeleteResult[]>()
  })

  it('types insertMany rows by the table', async () => {
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter() })
    expectTypeOf(await storage.insertMany('items', [{ sku: 'a', name: 'b' }])).toEqualTypeOf<InsertResult>()
    // @ts-expect-error: name is required
    await storage.insertMany('items', [{ sku: 'a' }])
    // @ts-expect-error: quantity is a number
    await storage.insertMany('items', [{ sku: 'a', name: 'b', quantity: 'many' }])
    // @ts-expect-error: no such table
    await storage.insertMany('no_such_table', [])
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
