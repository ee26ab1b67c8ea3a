import { type Generated, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { autoAdapters } from '../../src/auto/worker.js'
import { durableObjectAdapter } from '../../src/durable-object.js'
import {
  createStorage,
  ForeignKeyConstraintError,
  type StorageProvider,
  StorageUnavailableError,
  UniqueConstraintError,
} from '../../src/index.js'
import { currentDurableObject, runEachTestInANewDurableObject } from './durable-object-harness.js'

interface DB {
  parts: { id: Generated<number>; sku: string; quantity: number }
  owners: { id: Generated<number> }
  pets: { id: Generated<number>; owner_id: number }
}

runEachTestInANewDurableObject()

async function open(): Promise<StorageProvider<DB>> {
  const storage = await createStorage<DB>({
    adapters: durableObjectAdapter({ storage: currentDurableObject().storage }),
  })
  await storage.migrate({
    '0001_parts': {
      async up(db) {
        await db.schema
          .createTable('parts')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull().unique())
          .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(0))
          .execute()
        await db.schema
          .createTable('owners')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .execute()
        await db.schema
          .createTable('pets')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
          .execute()
      },
    },
  })
  return storage
}

const parts = (count: number) => Array.from({ length: count }, (_, i) => ({ sku: `P${i}`, quantity: i }))

describe('durable-object adapter', () => {
  it('is unavailable, with the reason, without a SQLite-backed storage', async () => {
    const failure = await createStorage({ adapters: durableObjectAdapter({ storage: undefined }) }).catch((e) => e)
    expect(failure).toBeInstanceOf(StorageUnavailableError)
    expect(failure.message).toContain('no Durable Object storage was given')
    const legacy = { transaction: async () => undefined } as never
    const refused = await createStorage({ adapters: durableObjectAdapter({ storage: legacy }) }).catch((e) => e)
    expect(refused.message).toContain('new_sqlite_classes')
  })

  it('engine limit: a statement may carry 100 bound parameters, not 101', () => {
    const { sql: engine } = currentDurableObject().storage
    const select = (n: number) => `select ${Array.from({ length: n }, () => '?').join(', ')}`
    expect(engine.exec(select(100), ...Array(100).fill(1)).toArray()).toHaveLength(1)
    expect(() => engine.exec(select(101), ...Array(101).fill(1))).toThrow(/too many SQL variables/)
  })

  it('runs queries far above the parameter limit: a 1,000-row insert and a 1,000-value in list', async () => {
    const storage = await open()
    const inserted = await storage.db.insertInto('parts').values(parts(1000)).returning('sku').execute()
    expect(inserted).toHaveLength(1000)
    expect(inserted[999]).toEqual({ sku: 'P999' })
    const skus = parts(1000).map((part) => part.sku)
    const found = await storage.db
      .selectFrom('parts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sku', 'in', skus)
      .executeTakeFirstOrThrow()
    expect(found.n).toBe(1000)
  })

  it('rolls back the whole oversized insert when one of its rows fails', async () => {
    const storage = await open()
    const rows = [...parts(300), { sku: 'P7', quantity: 0 }]
    await expect(storage.db.insertInto('parts').values(rows).execute()).rejects.toBeInstanceOf(UniqueConstraintError)
    expect(await storage.db.selectFrom('parts').selectAll().execute()).toEqual([])
  })

  it('keeps a transaction open across awaits, and makes queries from outside wait for it', async () => {
    const storage = await open()
    let entered!: () => void
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    let outside: Promise<unknown> | undefined
    await storage.transaction(async (trx) => {
      await trx.insertInto('parts').values({ sku: 'A', quantity: 1 }).execute()
      entered()
      outside = storage.db.selectFrom('parts').select('sku').execute()
      await inside
      await trx.insertInto('parts').values({ sku: 'B', quantity: 2 }).execute()
    })
    expect(await outside).toEqual([{ sku: 'A' }, { sku: 'B' }])
  })

  it('runs a batch started during a transaction after it, not inside it', async () => {
    const storage = await open()
    let batch: Promise<unknown> | undefined
    const failure = await storage
      .transaction(async (trx) => {
        await trx.insertInto('parts').values({ sku: 'T', quantity: 1 }).execute()
        batch = storage.batch([storage.db.insertInto('parts').values({ sku: 'B', quantity: 2 })])
        await trx.selectFrom('parts').selectAll().execute()
        throw new Error('changed my mind')
      })
      .catch((e: Error) => e.message)
    expect(failure).toBe('changed my mind')
    await batch
    expect(await storage.db.selectFrom('parts').select('sku').execute()).toEqual([{ sku: 'B' }])
  })

  it('undoes a rolled-back savepoint and keeps the rest of the transaction', async () => {
    const storage = await open()
    const trx = await storage.db.startTransaction().execute()
    await trx.insertInto('parts').values({ sku: 'kept', quantity: 1 }).execute()
    const inner = await trx.savepoint('inner').execute()
    await inner.insertInto('parts').values({ sku: 'undone', quantity: 2 }).execute()
    const back = await inner.rollbackToSavepoint('inner').execute()
    await back.insertInto('parts').values({ sku: 'after', quantity: 3 }).execute()
    await back.releaseSavepoint('inner').execute()
    await trx.commit().execute()
    const skus = await storage.db.selectFrom('parts').select('sku').orderBy('sku').execute()
    expect(skus).toEqual([{ sku: 'after' }, { sku: 'kept' }])
  })

  it('refuses to commit a transaction that leaves a deferred foreign-key violation, and the object lives on', async () => {
    const storage = await open()
    const failure = await storage
      .transaction(async (trx) => {
        await sql`pragma defer_foreign_keys = on`.execute(trx)
        await trx.insertInto('pets').values({ owner_id: 42 }).execute()
      })
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ForeignKeyConstraintError)
    expect(await storage.db.selectFrom('pets').selectAll().execute()).toEqual([])
    await storage.db.insertInto('owners').values({ id: 1 }).execute()
    await storage.db.insertInto('pets').values({ owner_id: 1 }).execute()
    expect(await storage.db.selectFrom('pets').select('owner_id').execute()).toEqual([{ owner_id: 1 }])
  })

  it('hides the runtime’s own _cf_ tables from introspection', async () => {
    const storage = await open()
    const { storage: objectStorage } = currentDurableObject()
    const { sql: engine } = objectStorage
    // The key-value API keeps its pairs in the object's SQLite database, in a table of its own.
    await objectStorage.put('key', 'value')
    const internal = engine.exec("select name from sqlite_master where name like '\\_cf\\_%' escape '\\'").toArray()
    expect(internal.length).toBeGreaterThan(0)
    const tables = await storage.db.introspection.getTables()
    expect(tables.map((table) => table.name)).toEqual(['owners', 'parts', 'pets'])
  })
})

describe('autoAdapters in a Durable Object', () => {
  it('puts the Durable Object’s storage before D1', async () => {
    const { storage } = currentDurableObject()
    const d1 = { prepare: () => undefined, batch: async () => [] } as never
    expect(autoAdapters({ name: 'app', durableObject: storage, d1 }).map((a) => a.name)).toEqual([
      'durable-object',
      'd1',
    ])
    const provider = await createStorage({ adapters: autoAdapters({ name: 'app', durableObject: storage }) })
    expect(provider.adapter).toBe('durable-object')
    await provider.close()
  })
})
