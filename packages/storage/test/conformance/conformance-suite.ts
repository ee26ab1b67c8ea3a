import {
  DeleteResult,
  InsertResult,
  type Kysely,
  type LogEvent,
  type Migration,
  Migrator,
  sql,
  UpdateResult,
} from 'kysely'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type ChangeEvent,
  CheckConstraintError,
  ForeignKeyConstraintError,
  MigrationError,
  NotNullConstraintError,
  type Placeholders,
  StorageError,
  type StorageProvider,
  UniqueConstraintError,
  UnsupportedOperationError,
} from '../../src/index.js'
import { type AdapterHarness, isSelected } from '../support/adapter-harness.js'
import { integrityCheck, waitFor } from '../support/tab-checks.js'
import {
  batchedQueries,
  describeLogEvent,
  expectedBatchResults,
  expectedIntrospection,
  expectedLoggedQueries,
  expectedLoggedTransactions,
  expectedResultShapes,
  introspection,
  loggedQueries,
  loggedTransactions,
  resultShapes,
} from './kysely-reference.js'
import { describeCopyData } from './copy-data-cases.js'
import { describeDatabaseFiles } from './database-file-cases.js'
import { describeLiveQueries } from './live-query-cases.js'
import { type ConformanceDB, conformanceMigrations } from './schema.js'

/** How many times each of two racing tabs increments their shared counter. */
const INCREMENTS_PER_TAB = 200

/**
 * The behaviour every adapter must show, the same on each. Cases an adapter's capabilities rule
 * out show as skipped, and so does the whole suite of an adapter `ADAPTERS` leaves out.
 *
 * @param harness - opens the adapter's databases; from adapter-harnesses.ts (Node) or
 *   chromium-adapter-harnesses.ts (Chromium)
 */
export function runConformanceSuite(harness: AdapterHarness): void {
  const { capabilities } = harness

  // Left out of this run by ADAPTERS.
  describe.skipIf(!isSelected(harness))(`conformance: ${harness.name}`, () => {
    let storage: StorageProvider<ConformanceDB>
    let db: Kysely<ConformanceDB>

    beforeEach(async () => {
      storage = await harness.open<ConformanceDB>()
      db = storage.db
      await storage.migrate(conformanceMigrations)
    })

    afterEach(() => harness.cleanup())

    afterAll(() => harness.dispose())

    /**
     * A logged statement as this adapter logs it. The one intended difference: sqlite starts
     * write transactions with `begin immediate`, so that other processes' locks are waited for.
     */
    const asLoggedHere = (line: string) =>
      harness.adapter === 'sqlite' && line === 'query: begin' ? 'query: begin immediate' : line

    /** A second database of this adapter, opened with a `log` that records every event. */
    const openLogged = async () => {
      const events: LogEvent[] = []
      const logged = await harness.open<ConformanceDB>({
        log: (event) => {
          events.push(event)
        },
      })
      await logged.migrate(conformanceMigrations)
      events.length = 0
      return { events, storage: logged, db: logged.db }
    }

    const tools = () => db.selectFrom('categories').select('id').where('name', '=', 'tools').executeTakeFirstOrThrow()
    /** Two writes that fail on the SKU 'E', which must exist: one alone, one at the end of a batch. */
    const failDuplicateWrites = async () => {
      await db
        .insertInto('items')
        .values({ sku: 'E', name: 'duplicate' })
        .execute()
        .catch(() => undefined)
      await storage
        .batch([
          db.insertInto('categories').values({ name: 'x' }),
          db.insertInto('items').values({ sku: 'E', name: 'e' }),
        ])
        .catch(() => undefined)
    }

    describe('capabilities', () => {
      it('declares what the adapter can do', () => {
        expect(storage.capabilities).toEqual(capabilities)
        expect(storage.adapter).toBe(harness.adapter)
      })
    })

    describe('queries', () => {
      it('inserts, selects, updates and deletes with returning', async () => {
        const inserted = await db
          .insertInto('items')
          .values({ sku: 'A-1', name: 'Hammer', quantity: 3 })
          .returning(['id', 'sku', 'quantity'])
          .executeTakeFirstOrThrow()
        expect(inserted).toEqual({ id: 1, sku: 'A-1', quantity: 3 })

        const updated = await db
          .updateTable('items')
          .set((eb) => ({ quantity: eb('quantity', '+', 2) }))
          .where('id', '=', inserted.id)
          .returning(['quantity'])
          .execute()
        expect(updated).toEqual([{ quantity: 5 }])

        const selected = await db.selectFrom('items').select(['sku', 'name', 'quantity']).execute()
        expect(selected).toEqual([{ sku: 'A-1', name: 'Hammer', quantity: 5 }])

        const deleted = await db.deleteFrom('items').where('sku', '=', 'A-1').returning('sku').execute()
        expect(deleted).toEqual([{ sku: 'A-1' }])
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })

      it('reports affected rows and the inserted id', async () => {
        const insert = await db
          .insertInto('items')
          .values([
            { sku: 'A', name: 'a' },
            { sku: 'B', name: 'b' },
          ])
          .executeTakeFirstOrThrow()
        expect(insert.numInsertedOrUpdatedRows).toBe(2n)
        expect(insert.insertId).toBe(2n)
        const update = await db.updateTable('items').set({ quantity: 7 }).executeTakeFirstOrThrow()
        expect(update.numUpdatedRows).toBe(2n)
        const remove = await db.deleteFrom('items').where('sku', '=', 'A').executeTakeFirstOrThrow()
        expect(remove.numDeletedRows).toBe(1n)
      })

      it('round-trips integers, reals, text, blobs, null and integers near 2^53', async () => {
        const blob = new Uint8Array([0, 1, 2, 254, 255])
        await db
          .insertInto('items')
          .values({
            sku: 'V',
            name: 'zß€😀 \'quoted\' "double"',
            quantity: 42,
            price: 12.5,
            note: null,
            data: blob,
            big: Number.MAX_SAFE_INTEGER,
          })
          .execute()
        await db
          .insertInto('items')
          .values({ sku: 'W', name: 'neg', big: -Number.MAX_SAFE_INTEGER, price: -0.1 })
          .execute()
        const rows = await db
          .selectFrom('items')
          .select(['name', 'quantity', 'price', 'note', 'data', 'big'])
          .orderBy('sku')
          .execute()
        expect(rows[0]).toMatchObject({
          name: 'zß€😀 \'quoted\' "double"',
          quantity: 42,
          price: 12.5,
          note: null,
          big: 9007199254740991,
        })
        expect(typeof rows[0]?.quantity).toBe('number')
        expect(rows[0]?.data).toBeInstanceOf(Uint8Array)
        expect([...(rows[0]?.data ?? [])]).toEqual([0, 1, 2, 254, 255])
        expect(rows[1]).toMatchObject({ big: -9007199254740991, price: -0.1, data: null })
      })

      it('round-trips reals that hold integral values beyond 2^63', async () => {
        await db
          .insertInto('items')
          .values([
            { sku: 'H', name: 'huge', price: 1e21 },
            { sku: 'N', name: 'negative huge', price: -3.5e30 },
          ])
          .execute()
        const prices = await db.selectFrom('items').select('price').orderBy('sku').execute()
        expect(prices).toEqual([{ price: 1e21 }, { price: -3.5e30 }])
        const matched = await db.selectFrom('items').select('sku').where('price', '=', 1e21).execute()
        expect(matched).toEqual([{ sku: 'H' }])
      })

      it('stores booleans as 1/0 and dates as ISO text, and refuses undefined parameters', async () => {
        await db
          .insertInto('items')
          .values({
            sku: 'B',
            name: 'bool',
            quantity: true as unknown as number,
            note: new Date(Date.UTC(2026, 0, 2)) as unknown as string,
          })
          .execute()
        const row = await db.selectFrom('items').select(['quantity', 'note']).executeTakeFirstOrThrow()
        expect(row).toEqual({ quantity: 1, note: '2026-01-02T00:00:00.000Z' })
        const failure = await db
          .selectFrom('items')
          .selectAll()
          .where('sku', '=', undefined as unknown as string)
          .execute()
          .catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(StorageError)
        expect((failure as StorageError).code).toBe('INVALID_PARAMETER')
      })

      it('refuses values the engines would bind differently with INVALID_PARAMETER, storing nothing', async () => {
        const odd: [string, unknown][] = [
          ['an object', { a: 1 }],
          ['an array', [1, 2]],
          ['a DataView', new DataView(new ArrayBuffer(2))],
          ['an Int16Array', new Int16Array([1, 2])],
          ['a symbol', Symbol('s')],
          ['an invalid Date', new Date(Number.NaN)],
          ['the bigint 18446744073709551616', 2n ** 64n],
        ]
        for (const [description, value] of odd) {
          const failure = await db
            .insertInto('items')
            .values({ sku: 'X', name: 'x', data: value as Uint8Array })
            .execute()
            .catch((error: unknown) => error)
          expect(failure, description).toBeInstanceOf(StorageError)
          expect(failure, description).toMatchObject({ code: 'INVALID_PARAMETER', adapter: harness.adapter })
          expect((failure as Error).message).toContain(description)
        }
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
        // An ArrayBuffer is bound as the blob of its bytes, where better-sqlite3 alone refused it.
        const buffer = new Uint8Array([1, 2, 3]).buffer as unknown as Uint8Array
        await db.insertInto('items').values({ sku: 'AB', name: 'buffer', data: buffer }).execute()
        const { data } = await db.selectFrom('items').select('data').executeTakeFirstOrThrow()
        expect(data).toBeInstanceOf(Uint8Array)
        expect([...(data ?? [])]).toEqual([1, 2, 3])
      })

      it('stores infinite reals, or refuses them with INVALID_PARAMETER where the engine would store NULL', async () => {
        // D1 sends bound values as JSON, which has no infinite numbers: D1 would store NULL.
        const bindsInfinity = harness.adapter !== 'd1'
        const insert = (sku: string, price: number) =>
          db
            .insertInto('items')
            .values({ sku, name: 'infinite', price })
            .execute()
            .then(
              () => 'stored',
              (error: unknown) => error,
            )
        const many = storage.insertMany('items', [{ sku: 'M', name: 'many', price: Number.NEGATIVE_INFINITY }]).then(
          () => 'stored',
          (error: unknown) => error,
        )
        for (const outcome of [await insert('P', Number.POSITIVE_INFINITY), await insert('N', -1 / 0), await many]) {
          if (bindsInfinity) expect(outcome).toBe('stored')
          else expect(outcome).toMatchObject({ code: 'INVALID_PARAMETER', adapter: harness.adapter })
        }
        const stored = await db.selectFrom('items').select(['sku', 'price']).orderBy('sku').execute()
        expect(stored).toEqual(
          bindsInfinity
            ? [
                { sku: 'M', price: Number.NEGATIVE_INFINITY },
                { sku: 'N', price: Number.NEGATIVE_INFINITY },
                { sku: 'P', price: Number.POSITIVE_INFINITY },
              ]
            : [],
        )
      })

      it('orders, limits, offsets, joins, groups, aggregates and nests subqueries', async () => {
        const category = await tools()
        await db
          .insertInto('items')
          .values([
            { sku: 'A', name: 'a', quantity: 5, category_id: category.id, price: 1.5 },
            { sku: 'B', name: 'b', quantity: 1, category_id: category.id, price: 2 },
            { sku: 'C', name: 'c', quantity: 9, category_id: null, price: null },
          ])
          .execute()
        const page = await db.selectFrom('items').select('sku').orderBy('quantity', 'desc').limit(2).offset(1).execute()
        expect(page).toEqual([{ sku: 'A' }, { sku: 'B' }])

        const joined = await db
          .selectFrom('items')
          .leftJoin('categories', 'categories.id', 'items.category_id')
          .select(['items.sku', 'categories.name as category'])
          .orderBy('items.sku')
          .execute()
        expect(joined).toEqual([
          { sku: 'A', category: 'tools' },
          { sku: 'B', category: 'tools' },
          { sku: 'C', category: null },
        ])

        const grouped = await db
          .selectFrom('items')
          .select((eb) => [
            'category_id',
            eb.fn.countAll<number>().as('count'),
            eb.fn.sum<number>('quantity').as('total'),
            eb.fn.avg<number>('price').as('average'),
          ])
          .groupBy('category_id')
          .orderBy('category_id')
          .execute()
        expect(grouped).toEqual([
          { category_id: null, count: 1, total: 9, average: null },
          { category_id: category.id, count: 2, total: 6, average: 1.75 },
        ])

        const aboveAverage = await db
          .selectFrom('items')
          .select('sku')
          .where('quantity', '>', (eb) =>
            eb.selectFrom('items').select((inner) => inner.fn.avg<number>('quantity').as('avg')),
          )
          .execute()
        expect(aboveAverage).toEqual([{ sku: 'C' }])

        const withCount = await db
          .selectFrom('categories')
          .select((eb) => [
            'name',
            eb
              .selectFrom('items')
              .whereRef('items.category_id', '=', 'categories.id')
              .select(eb.fn.countAll<number>().as('n'))
              .as('items'),
          ])
          .orderBy('name')
          .execute()
        expect(withCount).toEqual([
          { name: 'parts', items: 0 },
          { name: 'tools', items: 2 },
        ])
      })

      it('upserts with on conflict', async () => {
        await db.insertInto('items').values({ sku: 'U', name: 'first', quantity: 1 }).execute()
        const upserted = await db
          .insertInto('items')
          .values({ sku: 'U', name: 'second', quantity: 4 })
          .onConflict((conflict) =>
            conflict
              .column('sku')
              .doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), quantity: sql`quantity + excluded.quantity` })),
          )
          .returning(['name', 'quantity'])
          .execute()
        expect(upserted).toEqual([{ name: 'second', quantity: 5 }])
        await db
          .insertInto('items')
          .values({ sku: 'U', name: 'ignored' })
          .onConflict((conflict) => conflict.doNothing())
          .execute()
        expect(await db.selectFrom('items').select(['name', 'quantity']).execute()).toEqual([
          { name: 'second', quantity: 5 },
        ])
      })

      it('inserts more rows than one statement may carry parameters for, atomically', async () => {
        const limit = capabilities.maxBoundParameters ?? 32766
        const count = Math.ceil(limit / 3) + 10
        const rows = Array.from({ length: count }, (_, index) => ({
          sku: `S${index}`,
          name: `n${index}`,
          quantity: index,
        }))
        const result = await db.insertInto('items').values(rows).executeTakeFirstOrThrow()
        expect(result.numInsertedOrUpdatedRows).toBe(BigInt(count))
        const stats = await db
          .selectFrom('items')
          .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('quantity').as('sum')])
          .executeTakeFirstOrThrow()
        expect(stats).toEqual({ count, sum: (count * (count - 1)) / 2 })

        const clash = Array.from({ length: count }, (_, index) => ({ sku: `T${index}`, name: 't' }))
        clash[count - 1] = { sku: 'S0', name: 'duplicate at the very end' }
        await expect(db.insertInto('items').values(clash).execute()).rejects.toBeInstanceOf(UniqueConstraintError)
        const after = await db
          .selectFrom('items')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
        expect(after.count).toBe(count)
      })

      it('returns rows of a large multi-row insert with returning, in order', async () => {
        const limit = capabilities.maxBoundParameters ?? 32766
        const count = Math.ceil(limit / 2) + 3
        const rows = Array.from({ length: count }, (_, index) => ({
          sku: `R${String(index).padStart(6, '0')}`,
          name: 'r',
        }))
        const returned = await db.insertInto('items').values(rows).returning('sku').execute()
        expect(returned.map((row) => row.sku)).toEqual(rows.map((row) => row.sku))
      })
    })

    describe('constraint errors', () => {
      it('maps a unique violation with its table and columns', async () => {
        await db.insertInto('items').values({ sku: 'D', name: 'one' }).execute()
        const error = await db
          .insertInto('items')
          .values({ sku: 'D', name: 'two' })
          .execute()
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(UniqueConstraintError)
        expect(error).toMatchObject({
          code: 'UNIQUE_CONSTRAINT',
          table: 'items',
          columns: ['sku'],
          adapter: storage.adapter,
        })
      })

      it('maps a composite unique violation with every column', async () => {
        await db.insertInto('locations').values({ warehouse: 'north', bin: 'A1', label: null }).execute()
        const error = await db
          .insertInto('locations')
          .values({ warehouse: 'north', bin: 'A1', label: 'again' })
          .execute()
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(UniqueConstraintError)
        expect(error).toMatchObject({ table: 'locations', columns: ['warehouse', 'bin'] })
      })

      it('maps a not-null violation with its table and column', async () => {
        const error = await db
          .insertInto('items')
          .values({ sku: 'N', name: null as unknown as string })
          .execute()
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(NotNullConstraintError)
        expect(error).toMatchObject({ code: 'NOT_NULL_CONSTRAINT', table: 'items', columns: ['name'] })
      })

      it('enforces and maps foreign keys', async () => {
        const error = await db
          .insertInto('movements')
          .values({ item_id: 999, delta: 1 })
          .execute()
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ForeignKeyConstraintError)
        expect((error as ForeignKeyConstraintError).code).toBe('FOREIGN_KEY_CONSTRAINT')
        expect(await db.selectFrom('movements').selectAll().execute()).toEqual([])
      })

      it('cascades deletes along foreign keys', async () => {
        const item = await db
          .insertInto('items')
          .values({ sku: 'F', name: 'f' })
          .returning('id')
          .executeTakeFirstOrThrow()
        await db.insertInto('movements').values({ item_id: item.id, delta: 2 }).execute()
        await db.deleteFrom('items').where('id', '=', item.id).execute()
        expect(await db.selectFrom('movements').selectAll().execute()).toEqual([])
      })

      it('maps a check violation with the constraint', async () => {
        const error = await db
          .insertInto('items')
          .values({ sku: 'C', name: 'c', quantity: -1 })
          .execute()
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(CheckConstraintError)
        expect(error).toMatchObject({ code: 'CHECK_CONSTRAINT', constraint: 'quantity_not_negative' })
        expect((error as Error).message).toContain(`[@inventory/storage] [${storage.adapter}]`)
      })
    })

    describe('batch', () => {
      it('returns results in order', async () => {
        const results = await storage.batch([
          db.insertInto('items').values({ sku: 'A', name: 'a', quantity: 1 }).returning('sku'),
          db.insertInto('items').values({ sku: 'B', name: 'b', quantity: 2 }),
          db.updateTable('items').set({ quantity: 10 }).where('sku', '=', 'A'),
          db.selectFrom('items').select(['sku', 'quantity']).orderBy('sku'),
        ])
        expect(results).toHaveLength(4)
        expect(results[0]?.rows).toEqual([{ sku: 'A' }])
        expect(results[1]?.numAffectedRows).toBe(1n)
        expect(results[2]?.numAffectedRows).toBe(1n)
        expect(results[3]?.rows).toEqual([
          { sku: 'A', quantity: 10 },
          { sku: 'B', quantity: 2 },
        ])
      })

      it('gives each result the shape Kysely gives: rows where rows are returned, counts otherwise', async () => {
        await db.insertInto('items').values({ sku: 'A', name: 'a', quantity: 1 }).execute()
        const [deleted, updated, selected] = await storage.batch([
          db.deleteFrom('items').where('sku', '=', 'none').returning('sku'),
          db.updateTable('items').set({ quantity: 2 }).where('sku', '=', 'A'),
          db.selectFrom('items').select('sku'),
        ])
        expect(deleted).toStrictEqual({ rows: [] })
        expect(updated).toStrictEqual({ rows: [], numAffectedRows: 1n, insertId: 1n })
        expect(selected).toStrictEqual({ rows: [{ sku: 'A' }] })
      })

      it('applies nothing when a later statement fails', async () => {
        await db.insertInto('items').values({ sku: 'KEEP', name: 'kept', quantity: 1 }).execute()
        const failure = await storage
          .batch([
            db.insertInto('items').values({ sku: 'A', name: 'a' }),
            db.updateTable('items').set({ quantity: 99 }).where('sku', '=', 'KEEP'),
            db.insertInto('items').values({ sku: 'A', name: 'duplicate' }),
          ])
          .catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(UniqueConstraintError)
        expect(await db.selectFrom('items').select(['sku', 'quantity']).execute()).toEqual([
          { sku: 'KEEP', quantity: 1 },
        ])
      })

      it('accepts an empty list', async () => {
        expect(await storage.batch([])).toEqual([])
      })
    })

    describe('prepared queries', () => {
      const itemBySku = () =>
        storage.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.selectFrom('items').select(['sku', 'name', 'quantity']).where('sku', '=', $('sku')),
        )

      it('executes one compiled query many times with different values', async () => {
        await db
          .insertInto('items')
          .values([
            { sku: 'A', name: 'a', quantity: 1 },
            { sku: 'B', name: 'b', quantity: 2 },
          ])
          .execute()
        const query = itemBySku()
        expect(query.sql).toBe('select "sku", "name", "quantity" from "items" where "sku" = ?')
        expect(await query.execute({ sku: 'B' })).toEqual([{ sku: 'B', name: 'b', quantity: 2 }])
        expect(await query.executeTakeFirst({ sku: 'A' })).toEqual({ sku: 'A', name: 'a', quantity: 1 })
        expect(await query.executeTakeFirst({ sku: 'none' })).toBeUndefined()
        for (let round = 0; round < 20; round++) {
          expect(await query.executeTakeFirst({ sku: round % 2 ? 'A' : 'B' })).toMatchObject({
            quantity: 2 - (round % 2),
          })
        }
      })

      it('gives writes the results Kysely gives: counts, or rows with returning', async () => {
        const insert = storage.prepare((db, $: Placeholders<{ sku: string; name: string; quantity: number }>) =>
          db.insertInto('items').values({ sku: $('sku'), name: $('name'), quantity: $('quantity') }),
        )
        const [first] = await insert.execute({ sku: 'A', name: 'a', quantity: 1 })
        expect(first).toBeInstanceOf(InsertResult)
        expect(first).toEqual(new InsertResult(1n, 1n))
        expect(await insert.execute({ sku: 'B', name: 'b', quantity: 2 })).toEqual([new InsertResult(2n, 1n)])
        const restock = storage.prepare((db, $: Placeholders<{ at: number; add: number }>) =>
          db
            .updateTable('items')
            .set((eb) => ({ quantity: eb('quantity', '+', $('add')) }))
            .where('quantity', '>=', $('at')),
        )
        expect(await restock.execute({ at: 1, add: 10 })).toEqual([new UpdateResult(2n, undefined)])
        const take = storage.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.deleteFrom('items').where('sku', '=', $('sku')).returning(['sku', 'quantity']),
        )
        expect(await take.execute({ sku: 'A' })).toEqual([{ sku: 'A', quantity: 11 }])
        const remove = storage.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.deleteFrom('items').where('sku', '=', $('sku')),
        )
        expect(await remove.execute({ sku: 'B' })).toEqual([new DeleteResult(1n)])
        expect(await remove.execute({ sku: 'B' })).toEqual([new DeleteResult(0n)])
      })

      it('takes placeholders in raw SQL and normalises values as every query does', async () => {
        const insert = storage.prepare(
          (_db, $: Placeholders<{ sku: string; note: Date; quantity: boolean }>) =>
            sql`insert into items (sku, name, note, quantity) values (${$('sku')}, 'raw', ${$('note')}, ${$('quantity')})`,
        )
        await insert.execute({ sku: 'R', note: new Date(Date.UTC(2026, 0, 2)), quantity: true })
        const read = storage.prepare(
          (_db, $: Placeholders<{ sku: string }>) =>
            sql<{ note: string; quantity: number }>`select note, quantity from items where sku = ${$('sku')}`,
        )
        expect(await read.execute({ sku: 'R' })).toEqual([{ note: '2026-01-02T00:00:00.000Z', quantity: 1 }])
      })

      it('binds values for batch(), atomically', async () => {
        const insert = storage.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.insertInto('items').values({ sku: $('sku'), name: 'batched' }),
        )
        const results = await storage.batch([insert.bind({ sku: 'A' }), insert.bind({ sku: 'B' })])
        expect(results.map((result) => result.numAffectedRows)).toEqual([1n, 1n])
        const failure = await storage
          .batch([insert.bind({ sku: 'C' }), insert.bind({ sku: 'A' })])
          .catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(UniqueConstraintError)
        expect(await db.selectFrom('items').select('sku').orderBy('sku').execute()).toEqual([
          { sku: 'A' },
          { sku: 'B' },
        ])
      })

      it('refuses a missing value with a typed error, running nothing', async () => {
        const insert = storage.prepare((db, $: Placeholders<{ sku: string; name: string }>) =>
          db.insertInto('items').values({ sku: $('sku'), name: $('name') }),
        )
        const failure = await insert.execute({ sku: 'A' } as never).catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(StorageError)
        expect(failure).toMatchObject({ code: 'INVALID_PARAMETER', adapter: harness.adapter })
        expect((failure as Error).message).toContain('`name`')
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })

      it('refuses a value cast past its type with INVALID_PARAMETER, running nothing', async () => {
        const insert = storage.prepare((db, $: Placeholders<{ sku: string; note: string }>) =>
          db.insertInto('items').values({ sku: $('sku'), name: 'n', note: $('note') }),
        )
        const failure = await insert
          .execute({ sku: 'A', note: { text: 'json?' } as unknown as string })
          .catch((error: unknown) => error)
        expect(failure).toMatchObject({ code: 'INVALID_PARAMETER', adapter: harness.adapter })
        expect((failure as Error).message).toContain('is an object')
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })

      it('refuses at prepare() a placeholder standing for a whole in list', () => {
        const prepare = () =>
          storage.prepare((db, $: Placeholders<{ skus: string }>) =>
            db.selectFrom('items').select('sku').where('sku', 'in', $('skus')),
          )
        expect(prepare).toThrow(StorageError)
        expect(prepare).toThrow(/`skus` stands for a whole `in` list/)
      })

      it('executes queries with more placeholders than one statement may bind', async () => {
        const { id } = await db
          .insertInto('items')
          .values({ sku: 'A', name: 'a' })
          .returning('id')
          .executeTakeFirstOrThrow()
        // 120 and 150 values: above the 100 that D1 and Durable Objects bind per statement.
        const values = Object.fromEntries(Array.from({ length: 150 }, (_, index) => [`v${index}`, index]))
        const insert = storage.prepare((db, $: Placeholders<Record<string, number>>) =>
          db
            .insertInto('movements')
            .values(Array.from({ length: 60 }, (_, index) => ({ item_id: $('item'), delta: $(`v${index}`) }))),
        )
        expect(await insert.execute({ ...values, item: id })).toEqual([new InsertResult(60n, 60n)])
        const find = storage.prepare((db, $: Placeholders<Record<string, number>>) =>
          db
            .selectFrom('movements')
            .select('delta')
            .where(
              'delta',
              'in',
              Array.from({ length: 150 }, (_, index) => $(`v${index}`)),
            )
            .orderBy('delta'),
        )
        const found = await find.execute({ ...values, v0: 59, v1: 1_000 })
        // 0 and 1 are left out of the list: v0 and v1 stand for 59 and 1,000 here.
        expect(found.map((row) => row.delta)).toEqual(Array.from({ length: 58 }, (_, index) => index + 2))
      })

      it('sees a table as a later migration left it', async () => {
        await db.insertInto('locations').values({ warehouse: 'W', bin: '1', label: 'shelf' }).execute()
        const place = storage.prepare((db, $: Placeholders<{ warehouse: string }>) =>
          db.selectFrom('locations').selectAll().where('warehouse', '=', $('warehouse')),
        )
        expect(await place.execute({ warehouse: 'W' })).toEqual([{ warehouse: 'W', bin: '1', label: 'shelf' }])
        await storage.migrate({
          ...conformanceMigrations,
          '0003_location_size': {
            async up(db: Kysely<any>) {
              await db.schema
                .alterTable('locations')
                .addColumn('size', 'integer', (column) => column.notNull().defaultTo(3))
                .execute()
            },
          },
        })
        expect(await place.execute({ warehouse: 'W' })).toEqual([{ warehouse: 'W', bin: '1', label: 'shelf', size: 3 }])
      })

      it.skipIf(!capabilities.interactiveTransactions)(
        'runs inside a transaction through the transaction, with bind()',
        async () => {
          const insert = storage.prepare((db, $: Placeholders<{ name: string }>) =>
            db.insertInto('categories').values({ name: $('name') }),
          )
          const failure = await storage
            .transaction(async (trx) => {
              await trx.executeQuery(insert.bind({ name: 'inside' }))
              expect(await trx.selectFrom('categories').select('name').where('name', '=', 'inside').execute()).toEqual([
                { name: 'inside' },
              ])
              throw new Error('roll back')
            })
            .catch((error: unknown) => error)
          expect((failure as Error).message).toBe('roll back')
          expect(await db.selectFrom('categories').select('name').where('name', '=', 'inside').execute()).toEqual([])
        },
      )

      it('maps constraint errors and announces writes like any query', async () => {
        const events: ChangeEvent[] = []
        storage.onChange((event) => events.push(event))
        const insert = storage.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.insertInto('items').values({ sku: $('sku'), name: 'n' }),
        )
        await insert.execute({ sku: 'A' })
        const failure = await insert.execute({ sku: 'A' }).catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(UniqueConstraintError)
        expect(failure).toMatchObject({ table: 'items', columns: ['sku'] })
        expect(events).toEqual([{ tables: ['items'], source: 'local' }])
      })

      it('logs each execute as Kysely logs a query when a log is configured', async () => {
        const { events, storage: logged } = await openLogged()
        const query = logged.prepare((db, $: Placeholders<{ sku: string }>) =>
          db.selectFrom('items').select('sku').where('sku', '=', $('sku')),
        )
        await query.execute({ sku: 'A' })
        await query.execute({ sku: 'B' })
        expect(events.map(describeLogEvent)).toEqual([
          'query: select "sku" from "items" where "sku" = ?',
          'query: select "sku" from "items" where "sku" = ?',
        ])
        expect(events.map((event) => event.query.parameters)).toEqual([['A'], ['B']])
      })
    })

    describe('insertMany', () => {
      const rows = (count: number, prefix = 'M') =>
        Array.from({ length: count }, (_, index) => ({
          sku: `${prefix}${index}`,
          name: `item ${index}`,
          quantity: index,
        }))

      it('inserts more rows than one statement may carry parameters for, in order, and counts them', async () => {
        const result = await storage.insertMany('items', rows(1_000))
        expect(result).toEqual(new InsertResult(1_000n, 1_000n))
        const stored = await db.selectFrom('items').select(['id', 'sku', 'quantity']).orderBy('id').execute()
        expect(stored).toHaveLength(1_000)
        expect(stored[0]).toEqual({ id: 1, sku: 'M0', quantity: 0 })
        expect(stored[999]).toEqual({ id: 1_000, sku: 'M999', quantity: 999 })
      })

      it('gives left-out columns their defaults and keeps the order of rows naming different columns', async () => {
        await storage.insertMany('items', [
          { sku: 'A', name: 'a' },
          { sku: 'B', name: 'b', quantity: 5, note: undefined },
          { sku: 'C', name: 'c', price: 1.5, note: 'n' },
          { sku: 'D', name: 'd' },
        ])
        expect(
          await db.selectFrom('items').select(['id', 'sku', 'quantity', 'price', 'note']).orderBy('id').execute(),
        ).toEqual([
          { id: 1, sku: 'A', quantity: 0, price: null, note: null },
          { id: 2, sku: 'B', quantity: 5, price: null, note: null },
          { id: 3, sku: 'C', quantity: 0, price: 1.5, note: 'n' },
          { id: 4, sku: 'D', quantity: 0, price: null, note: null },
        ])
      })

      it('applies none of the rows when one fails, with the typed error, and announces a success once', async () => {
        const events: ChangeEvent[] = []
        storage.onChange((event) => events.push(event))
        const failing = rows(300)
        failing.push({ sku: 'M7', name: 'duplicate', quantity: 0 })
        const failure = await storage.insertMany('items', failing).catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(UniqueConstraintError)
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
        expect(events).toEqual([])
        await storage.insertMany('items', rows(3))
        expect(events).toEqual([{ tables: ['items'], source: 'local' }])
      })

      it('refuses a value cast past its type, naming the row and column, and applies no row', async () => {
        const failing: Record<string, unknown>[] = rows(300)
        failing.splice(150, 0, { sku: 'odd', name: 'odd', data: [1, 2] })
        const failure = await storage.insertMany('items', failing as never[]).catch((error: unknown) => error)
        expect(failure).toMatchObject({ code: 'INVALID_PARAMETER', adapter: harness.adapter })
        expect((failure as Error).message).toContain('row 150 gives column `data` a value that is an array')
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })

      it('does nothing for no rows and refuses SQL expressions with a typed error', async () => {
        expect(await storage.insertMany('items', [])).toEqual(new InsertResult(undefined, 0n))
        const failure = await storage
          .insertMany('items', [{ sku: 'A', name: sql<string>`upper('a')` as unknown as string }])
          .catch((error: unknown) => error)
        expect(failure).toMatchObject({ code: 'INVALID_PARAMETER' })
        expect((failure as Error).message).toContain('db.insertInto()')
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })
    })

    describe('transaction', () => {
      // Adapters that cannot hold a transaction open across calls (D1) refuse it; see the last case.
      const interactive = it.skipIf(!capabilities.interactiveTransactions)

      interactive('commits when the callback resolves', async () => {
        const result = await storage.transaction(async (trx) => {
          await trx.insertInto('items').values({ sku: 'T', name: 't', quantity: 1 }).execute()
          const row = await trx.selectFrom('items').select('quantity').where('sku', '=', 'T').executeTakeFirstOrThrow()
          await trx
            .updateTable('items')
            .set({ quantity: row.quantity + 1 })
            .execute()
          return row.quantity
        })
        expect(result).toBe(1)
        expect(await db.selectFrom('items').select('quantity').execute()).toEqual([{ quantity: 2 }])
      })

      interactive('rolls back when the callback throws', async () => {
        const failure = await storage
          .transaction(async (trx) => {
            await trx.insertInto('items').values({ sku: 'T', name: 't' }).execute()
            throw new Error('changed my mind')
          })
          .catch((e: unknown) => e)
        expect((failure as Error).message).toBe('changed my mind')
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })

      interactive('rolls back when a statement inside fails, and maps the error', async () => {
        const failure = await storage
          .transaction(async (trx) => {
            await trx.insertInto('items').values({ sku: 'T', name: 't' }).execute()
            await trx.insertInto('items').values({ sku: 'T', name: 'again' }).execute()
          })
          .catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(UniqueConstraintError)
        expect(await db.selectFrom('items').selectAll().execute()).toEqual([])
      })
      // Only adapters without interactive transactions refuse them.
      it.skipIf(capabilities.interactiveTransactions)(
        'throws UnsupportedOperationError pointing to batch()',
        async () => {
          const failure = await storage.transaction(async () => 1).catch((e: unknown) => e)
          expect(failure).toBeInstanceOf(UnsupportedOperationError)
          expect((failure as Error).message).toContain('batch(')
        },
      )
    })

    describe('migrate', () => {
      const extra: Record<string, Migration> = {
        ...conformanceMigrations,
        '0003_notes': {
          async up(db: Kysely<any>) {
            await db.schema.alterTable('items').addColumn('notes2', 'text').execute()
          },
        },
      }

      it('applies pending migrations in name order and records them in kysely_migration', async () => {
        const report = await storage.migrate(extra)
        expect(report).toEqual({ applied: ['0003_notes'], alreadyApplied: ['0001_catalog', '0002_movements'] })
        const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
        expect(recorded.rows.map((row) => row.name)).toEqual(['0001_catalog', '0002_movements', '0003_notes'])
        const columns = await sql<{ name: string }>`select name from pragma_table_info('items')`.execute(db)
        expect(columns.rows.map((row) => row.name)).toContain('notes2')
      })

      it('is a no-op when nothing is pending', async () => {
        expect(await storage.migrate(conformanceMigrations)).toEqual({
          applied: [],
          alreadyApplied: ['0001_catalog', '0002_movements'],
        })
      })

      it('runs migrations given out of order in name order', async () => {
        const order: string[] = []
        const track = (name: string): Migration => ({
          async up(db: Kysely<any>) {
            order.push(name)
            await db.schema.createTable(`t_${name}`).addColumn('id', 'integer').execute()
          },
        })
        const report = await storage.migrate({
          ...conformanceMigrations,
          '0005_b': track('0005_b'),
          '0004_a': track('0004_a'),
        })
        expect(report.applied).toEqual(['0004_a', '0005_b'])
        expect(order).toEqual(['0004_a', '0005_b'])
      })

      it('leaves nothing of a failing migration behind and names it', async () => {
        const failing: Record<string, Migration> = {
          ...conformanceMigrations,
          '0003_broken': {
            async up(db: Kysely<any>) {
              await db.schema.createTable('half_done').addColumn('id', 'integer').execute()
              await db.insertInto('categories').values({ name: 'added by a broken migration' }).execute()
              await db.insertInto('categories').values({ name: 'tools' }).execute()
            },
          },
        }
        const failure = await storage.migrate(failing).catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(MigrationError)
        expect(failure).toMatchObject({ code: 'MIGRATION_FAILED', migration: '0003_broken' })
        expect((failure as Error).cause).toBeInstanceOf(UniqueConstraintError)
        const tables = await sql<{ name: string }>`select name from sqlite_master where name = 'half_done'`.execute(db)
        expect(tables.rows).toEqual([])
        expect(await db.selectFrom('categories').select('name').orderBy('name').execute()).toEqual([
          { name: 'parts' },
          { name: 'tools' },
        ])
        const recorded = await sql<{
          name: string
        }>`select name from kysely_migration where name = '0003_broken'`.execute(db)
        expect(recorded.rows).toEqual([])
      })

      it('refuses a migration set that lacks an applied migration', async () => {
        const { '0001_catalog': _first, ...withoutFirst } = conformanceMigrations
        const failure = await storage.migrate(withoutFirst).catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(MigrationError)
        expect((failure as Error).message).toContain('0001_catalog')
      })

      it('leaves Kysely’s own Migrator nothing to do', async () => {
        const migrator = new Migrator({
          db,
          provider: { getMigrations: async () => conformanceMigrations },
        })
        const migrations = await migrator.getMigrations()
        expect(migrations.map((m) => [m.name, m.executedAt instanceof Date])).toEqual([
          ['0001_catalog', true],
          ['0002_movements', true],
        ])
        const { results, error } = await migrator.migrateToLatest()
        expect(error).toBeUndefined()
        expect(results).toEqual([])
      })

      describe('rebuilding a table', () => {
        /** A child whose references are nulled, not deleted, when its item goes. */
        const reservations: Migration = {
          async up(db: Kysely<any>) {
            await db.schema
              .createTable('reservations')
              .addColumn('id', 'integer', (column) => column.primaryKey())
              .addColumn('item_id', 'integer', (column) => column.references('items.id').onDelete('set null'))
              .execute()
          },
        }
        /** SQLite's documented way to change a column: create the new table, copy, drop, rename. */
        const rebuildItems = (keep: string): Migration => ({
          async up(db: Kysely<any>) {
            await sql`create table items_new (
              id integer primary key autoincrement,
              sku text not null unique,
              name text not null,
              quantity integer not null default 0,
              category_id integer references categories (id),
              price real,
              note text,
              data blob,
              big integer,
              archived integer not null default 0,
              constraint quantity_not_negative check (quantity >= 0)
            )`.execute(db)
            await sql`insert into items_new (id, sku, name, quantity, category_id, price, note, data, big)
              select id, sku, name, quantity, category_id, price, note, data, big from items where ${sql.raw(keep)}`.execute(
              db,
            )
            await sql`drop table items`.execute(db)
            await sql`alter table items_new rename to items`.execute(db)
          },
        })
        const withReservations = { ...conformanceMigrations, '0003_reservations': reservations }
        const seed = async () => {
          await storage.migrate(withReservations)
          const [a, b] = await db
            .insertInto('items')
            .values([
              { sku: 'A', name: 'a' },
              { sku: 'B', name: 'b' },
            ])
            .returning('id')
            .execute()
          const ids = [a?.id as number, b?.id as number] as const
          const [first, second] = ids
          await db
            .insertInto('movements')
            .values([first, first, first, second].map((item_id, index) => ({ item_id, delta: index + 1 })))
            .execute()
          await sql`insert into reservations (id, item_id) values (1, ${first}), (2, ${second})`.execute(db)
          return ids
        }
        const movements = () => db.selectFrom('movements').select(['id', 'item_id', 'delta']).orderBy('id').execute()
        const reserved = async () =>
          (
            await sql<{ id: number; item_id: number | null }>`select id, item_id from reservations order by id`.execute(
              db,
            )
          ).rows
        const expectForeignKeysEnforced = async () => {
          const error = await db
            .insertInto('movements')
            .values({ item_id: 999_999, delta: 1 })
            .execute()
            .catch((e: unknown) => e)
          expect(error).toBeInstanceOf(ForeignKeyConstraintError)
        }

        it('keeps every child row and every reference', async () => {
          const [a, b] = await seed()
          const before = await movements()
          expect(before).toHaveLength(4)
          const report = await storage.migrate({ ...withReservations, '0004_rebuild_items': rebuildItems('1 = 1') })
          expect(report.applied).toEqual(['0004_rebuild_items'])
          expect(await movements()).toEqual(before)
          expect(await reserved()).toEqual([
            { id: 1, item_id: a },
            { id: 2, item_id: b },
          ])
          const columns = await sql<{ name: string }>`select name from pragma_table_info('items')`.execute(db)
          expect(columns.rows.map((row) => row.name)).toContain('archived')
          // The children point at the new table: deleting an item still cascades to its movements.
          await db
            .deleteFrom('items')
            .where('id', '=', b as number)
            .execute()
          expect((await movements()).map((row) => row.item_id)).toEqual([a, a, a])
          expect(await reserved()).toEqual([
            { id: 1, item_id: a },
            { id: 2, item_id: null },
          ])
          await expectForeignKeysEnforced()
        })

        it('refuses a migration that leaves rows pointing at missing rows, naming the table, and keeps nothing of it', async () => {
          await seed()
          const before = { items: await db.selectFrom('items').select(['id', 'sku']).orderBy('id').execute() }
          const movementsBefore = await movements()
          const reservedBefore = await reserved()
          const failure = await storage
            .migrate({ ...withReservations, '0004_drop_a': rebuildItems(`sku <> 'A'`) })
            .catch((e: unknown) => e)
          expect(failure).toBeInstanceOf(MigrationError)
          expect(failure).toMatchObject({ code: 'MIGRATION_FAILED', migration: '0004_drop_a' })
          expect((failure as Error).message).toContain('movements')
          expect(await db.selectFrom('items').select(['id', 'sku']).orderBy('id').execute()).toEqual(before.items)
          expect(await movements()).toEqual(movementsBefore)
          expect(await reserved()).toEqual(reservedBefore)
          const columns = await sql<{ name: string }>`select name from pragma_table_info('items')`.execute(db)
          expect(columns.rows.map((row) => row.name)).not.toContain('archived')
          const leftOver = await sql`select name from sqlite_master where name = 'items_new'`.execute(db)
          expect(leftOver.rows).toEqual([])
          const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
          expect(recorded.rows.map((row) => row.name)).toEqual(['0001_catalog', '0002_movements', '0003_reservations'])
          await expectForeignKeysEnforced()
        })

        it('rebuilds a table and a table referencing it in one migration without losing rows, or refuses it whole', async () => {
          await seed()
          const before = await movements()
          const rebuildMovements: Migration = {
            async up(db: Kysely<any>) {
              await sql`create table movements_new (
                id integer primary key autoincrement,
                item_id integer not null references items (id) on delete cascade,
                delta integer not null,
                note text
              )`.execute(db)
              await sql`insert into movements_new (id, item_id, delta) select id, item_id, delta from movements`.execute(
                db,
              )
              await sql`drop table movements`.execute(db)
              await sql`alter table movements_new rename to movements`.execute(db)
              await rebuildItems('1 = 1').up(db)
            },
          }
          const outcome = await storage
            .migrate({ ...withReservations, '0004_rebuild_both': rebuildMovements })
            .catch((e: unknown) => e)
          expect(await movements()).toEqual(before)
          if (capabilities.interactiveTransactions) {
            expect(outcome).toMatchObject({ applied: ['0004_rebuild_both'] })
          } else {
            // Foreign keys cannot be switched off here: refused before anything ran.
            expect(outcome).toBeInstanceOf(MigrationError)
            expect((outcome as Error).message).toContain('Split it')
            const recorded = await sql`select name from kysely_migration where name = '0004_rebuild_both'`.execute(db)
            expect(recorded.rows).toEqual([])
          }
          await expectForeignKeysEnforced()
        })

        it('enforces foreign keys again after a migration that failed', async () => {
          const failure = await storage
            .migrate({
              ...conformanceMigrations,
              '0003_broken': {
                async up(db: Kysely<any>) {
                  await db.schema.createTable('half_done').addColumn('id', 'integer').execute()
                  await sql`insert into no_such_table values (1)`.execute(db)
                },
              },
            })
            .catch((e: unknown) => e)
          expect(failure).toBeInstanceOf(MigrationError)
          await expectForeignKeysEnforced()
        })
      })

      it('is readable by introspection, without the bookkeeping tables', async () => {
        const tables = await db.introspection.getTables()
        expect(tables.map((table) => table.name).sort()).toEqual(['categories', 'items', 'locations', 'movements'])
        const items = tables.find((table) => table.name === 'items')
        expect(items?.columns.find((column) => column.name === 'sku')).toMatchObject({
          isNullable: false,
          dataType: 'TEXT',
        })
      })
    })

    describe('onChange', () => {
      let events: ChangeEvent[]
      let unsubscribe: () => void
      beforeEach(() => {
        events = []
        unsubscribe = storage.onChange((event) => events.push(event))
      })

      it('fires once per committed query with the table written', async () => {
        await db.insertInto('items').values({ sku: 'E', name: 'e' }).execute()
        await db.selectFrom('items').selectAll().execute()
        await db.updateTable('items').set({ quantity: 2 }).execute()
        expect(events).toEqual([
          { tables: ['items'], source: 'local' },
          { tables: ['items'], source: 'local' },
        ])
      })

      it('fires once per batch with every table written', async () => {
        const item = await db
          .insertInto('items')
          .values({ sku: 'E', name: 'e' })
          .returning('id')
          .executeTakeFirstOrThrow()
        events.length = 0
        await storage.batch([
          db.insertInto('movements').values({ item_id: item.id, delta: 1 }),
          db.updateTable('items').set({ quantity: 1 }),
          db.selectFrom('categories').selectAll(),
        ])
        expect(events).toEqual([{ tables: ['items', 'movements'], source: 'local' }])
      })

      it('fires for raw SQL writes', async () => {
        await sql`insert into "items" (sku, name) values ('RAW', 'raw')`.execute(db)
        await sql`select * from items`.execute(db)
        expect(events).toEqual([{ tables: ['items'], source: 'local' }])
      })

      it('does not fire for failed writes or rolled-back batches', async () => {
        await db.insertInto('items').values({ sku: 'E', name: 'e' }).execute()
        events.length = 0
        await failDuplicateWrites()
        expect(events).toEqual([])
      })

      // Needs interactive transactions.
      it.skipIf(!capabilities.interactiveTransactions)(
        'fires once when a transaction commits and never when it rolls back',
        async () => {
          await storage.transaction(async (trx) => {
            await trx.insertInto('items').values({ sku: 'E', name: 'e' }).execute()
            await trx.insertInto('categories').values({ name: 'x' }).execute()
            expect(events).toEqual([])
          })
          expect(events).toEqual([{ tables: ['categories', 'items'], source: 'local' }])
          await storage
            .transaction(async (trx) => {
              await trx.insertInto('items').values({ sku: 'F', name: 'f' }).execute()
              throw new Error('rollback')
            })
            .catch(() => undefined)
          expect(events).toHaveLength(1)
        },
      )

      it('stops after unsubscribe', async () => {
        unsubscribe()
        await db.insertInto('items').values({ sku: 'E', name: 'e' }).execute()
        expect(events).toEqual([])
      })
    })

    describe('close', () => {
      it('rejects queries after close with a typed error', async () => {
        await storage.close()
        const failure = await db
          .selectFrom('items')
          .selectAll()
          .execute()
          .catch((e: unknown) => e)
        expect(failure).toBeInstanceOf(StorageError)
        expect((failure as StorageError).code).toBe('STORAGE_CLOSED')
        const batchFailure = await storage.batch([db.selectFrom('items').selectAll()]).catch((e: unknown) => e)
        expect((batchFailure as StorageError).code).toBe('STORAGE_CLOSED')
      })
    })

    describe('durability', () => {
      // An in-memory database ends with its provider: there is nothing to reopen.
      it.skipIf(!capabilities.persistent)('keeps acknowledged writes across close and reopen', async () => {
        if (!harness.reopen) throw new Error(`${harness.name} is persistent but its harness cannot reopen`)
        await db
          .insertInto('items')
          .values({ sku: 'D1', name: 'durable', data: new Uint8Array([9]) })
          .execute()
        await storage.batch([db.insertInto('items').values({ sku: 'D2', name: 'batched' })])
        await db
          .insertInto('items')
          .values({ sku: 'D1', name: 'rejected' })
          .execute()
          .catch(() => undefined)
        storage = await harness.reopen(storage)
        db = storage.db
        const rows = await db.selectFrom('items').select(['sku', 'name']).orderBy('sku').execute()
        expect(rows).toEqual([
          { sku: 'D1', name: 'durable' },
          { sku: 'D2', name: 'batched' },
        ])
        expect((await storage.migrate(conformanceMigrations)).applied).toEqual([])
        // D1 refuses `integrity_check` (not authorized) but runs the lighter `quick_check`.
        const check = await sql<Record<string, string>>`pragma integrity_check`.execute(db).catch((error: unknown) => {
          if (!(error instanceof StorageError) || !error.message.includes('not authorized')) throw error
          return sql<Record<string, string>>`pragma quick_check`.execute(db)
        })
        expect(check.rows.map((row) => Object.values(row))).toEqual([['ok']])
      })
    })

    describe('a damaged store', () => {
      // Where the harness can reach the stored file or pages; D1's live behind the binding.
      it.skipIf(!harness.reopenDamaged)(
        'answers it with CORRUPT_STORAGE, on opening or on the first query, and never as an empty database',
        async () => {
          await db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
          const reopenDamaged = harness.reopenDamaged as NonNullable<typeof harness.reopenDamaged>
          const failure = await reopenDamaged<ConformanceDB>(storage)
            .then((reopened) => reopened.db.selectFrom('items').selectAll().execute())
            .catch((e: unknown) => e)
          expect(failure).toBeInstanceOf(StorageError)
          expect(failure).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: storage.adapter })
          expect((failure as Error).message).toContain('the stored database is damaged')
        },
      )
    })

    describe('across tabs', () => {
      // Only adapters that keep the tabs of one origin in sync promise any of this.
      const acrossTabs = it.skipIf(!capabilities.crossTabSync)
      const openTab = (provider: StorageProvider<ConformanceDB> = storage) => {
        if (!harness.openTab) throw new Error(`${harness.name} syncs tabs but its harness cannot open a second one`)
        return harness.openTab<ConformanceDB>(provider)
      }
      const skus = (provider: StorageProvider<ConformanceDB>) =>
        provider.db.selectFrom('items').select('sku').orderBy('sku').execute()
      /**
       * A second tab, and the changes it hears from the moment it has heard every commit made
       * before it opened: a browser may deliver those late, to a tab that already read them.
       * Tabs hear commits in order, so once a marker commit is heard, every earlier one has been.
       * The marker is the only commit so far that writes the locations table alone.
       */
      const listeningTab = async () => {
        const tab = await openTab()
        const heard: ChangeEvent[] = []
        tab.onChange((event) => heard.push(event))
        await db.insertInto('locations').values({ warehouse: 'marker', bin: 'tab opened', label: null }).execute()
        await waitFor(() => heard.some((event) => event.tables.join() === 'locations'))
        heard.length = 0
        return { tab, heard }
      }

      acrossTabs(
        'loses no update: two tabs incrementing one counter in transactions each read a value no other read',
        async () => {
          await db.insertInto('items').values({ sku: 'COUNTER', name: 'counter', quantity: 0 }).execute()
          const { tab: other, heard } = await listeningTab()
          const read: number[] = []
          const increments = async (tab: StorageProvider<ConformanceDB>) => {
            for (let i = 0; i < INCREMENTS_PER_TAB; i++) read.push(await incrementCounter(tab))
          }
          await Promise.all([increments(storage), increments(other)])
          // None worked on a stale copy: every increment read a value no other increment read.
          expect(new Set(read).size).toBe(2 * INCREMENTS_PER_TAB)
          // Reads do not wait for other tabs; each tab reaches the sum once the last announcement arrives.
          await waitFor(async () => (await counter(storage)) === 2 * INCREMENTS_PER_TAB)
          await waitFor(async () => (await counter(other)) === 2 * INCREMENTS_PER_TAB)
          const remoteTables = heard.filter((event) => event.source === 'remote').map((event) => event.tables.join())
          expect(remoteTables.length).toBeGreaterThan(0)
          expect(new Set(remoteTables)).toEqual(new Set(['items']))
        },
      )

      acrossTabs(
        "tells the other tab of each commit: onChange with source 'remote' and the tables written, then the rows",
        async () => {
          const { tab: other, heard: remote } = await listeningTab()
          expect(await skus(other)).toEqual([])
          const local: ChangeEvent[] = []
          storage.onChange((event) => local.push(event))

          await db.insertInto('items').values({ sku: 'R-1', name: 'remote' }).execute()
          await waitFor(() => remote.length === 1)
          expect(await skus(other)).toEqual([{ sku: 'R-1' }])
          await storage.batch([
            db.insertInto('categories').values({ name: 'garden' }),
            db.updateTable('items').set({ quantity: 4 }),
          ])
          await sql`create table notes (id integer primary key, text text)`.execute(db)
          await sql`insert into notes (text) values ('hello')`.execute(db)
          await waitFor(() => remote.length === 4)

          const written = [['items'], ['categories', 'items'], ['notes'], ['notes']]
          expect(remote).toEqual(written.map((tables) => ({ tables, source: 'remote' })))
          expect(local).toEqual(written.map((tables) => ({ tables, source: 'local' })))
          expect(await other.db.selectFrom('items').select(['sku', 'quantity']).execute()).toEqual([
            { sku: 'R-1', quantity: 4 },
          ])
          expect((await sql<{ text: string }>`select text from notes`.execute(other.db)).rows).toEqual([
            { text: 'hello' },
          ])
        },
      )

      acrossTabs('announces no write that failed or rolled back', async () => {
        const item = await db
          .insertInto('items')
          .values({ sku: 'E', name: 'e' })
          .returning('id')
          .executeTakeFirstOrThrow()
        const { tab: other, heard: remote } = await listeningTab()
        await failDuplicateWrites()
        await storage
          .transaction(async (trx) => {
            await trx.insertInto('categories').values({ name: 'y' }).execute()
            throw new Error('rollback')
          })
          .catch(() => undefined)
        await db.insertInto('movements').values({ item_id: item.id, delta: 1 }).execute()
        await waitFor(() => remote.length > 0)
        // Announcements arrive in commit order: one for a failed write would have come first.
        expect(remote).toEqual([{ tables: ['movements'], source: 'remote' }])
        expect(await other.db.selectFrom('categories').select('name').orderBy('name').execute()).toEqual([
          { name: 'parts' },
          { name: 'tools' },
        ])
      })

      acrossTabs('sees a table another tab created, and writes to it at once', async () => {
        const other = await openTab()
        const withNotes = {
          ...conformanceMigrations,
          '0003_notes': {
            async up(db: Kysely<any>) {
              await db.schema.createTable('notes').addColumn('text', 'text').execute()
            },
          },
        }
        await storage.migrate(withNotes)
        // No waiting for the announcement: a write catches up under the lock first.
        await sql`insert into notes (text) values ('from the other tab')`.execute(other.db)
        expect((await other.migrate(withNotes)).applied).toEqual([])
        await waitFor(async () => (await sql`select text from notes`.execute(db)).rows.length === 1)
        expect(await integrityCheck(db)).toEqual([{ integrity_check: 'ok' }])
      })

      acrossTabs('keeps a tab that only reads current through announcements alone', async () => {
        const reader = await openTab()
        for (let quantity = 1; quantity <= 20; quantity++) {
          await db
            .insertInto('items')
            .values({ sku: `S-${quantity}`, name: 's', quantity })
            .execute()
        }
        await waitFor(async () => (await skus(reader)).length === 20)
        const sum = await reader.db
          .selectFrom('items')
          .select((eb) => eb.fn.sum<number>('quantity').as('total'))
          .executeTakeFirstOrThrow()
        expect(sum.total).toBe(210)
      })

      acrossTabs('applies each migration once when two tabs migrate a new database at the same time', async () => {
        const first = await harness.open<ConformanceDB>()
        const second = await openTab(first)
        const reports = await Promise.all([first.migrate(conformanceMigrations), second.migrate(conformanceMigrations)])
        expect(reports.flatMap((report) => report.applied).sort()).toEqual(['0001_catalog', '0002_movements'])
        for (const report of reports) {
          expect([...report.applied, ...report.alreadyApplied].sort()).toEqual(['0001_catalog', '0002_movements'])
        }
        // The second migration inserts two categories: applied twice, it would fail or leave four.
        expect(await second.db.selectFrom('categories').select('name').orderBy('name').execute()).toEqual([
          { name: 'parts' },
          { name: 'tools' },
        ])
      })

      acrossTabs('refuses a tab with an older migration set against a newer schema, and corrupts nothing', async () => {
        await storage.migrate({
          ...conformanceMigrations,
          '0003_item_notes': {
            async up(db: Kysely<any>) {
              await db.schema.alterTable('items').addColumn('notes', 'text').execute()
            },
          },
        })
        const older = await openTab()
        const failure = await older.migrate(conformanceMigrations).catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(MigrationError)
        expect((failure as Error).message).toContain('0003_item_notes')
        await db.insertInto('items').values({ sku: 'N-1', name: 'written by the newer tab' }).execute()
        await waitFor(async () => (await skus(older)).length === 1)
        expect(await skus(older)).toEqual([{ sku: 'N-1' }])
        expect(await integrityCheck(older.db)).toEqual([{ integrity_check: 'ok' }])
      })
    })

    describeLiveQueries(harness)

    describeDatabaseFiles(harness)

    describeCopyData(harness)

    describe('same as Kysely’s SQLite dialect', () => {
      const expectTimedAndTyped = (events: readonly LogEvent[]) => {
        for (const event of events) {
          expect(event.queryDurationMillis).toBeGreaterThanOrEqual(0)
          if (event.level === 'error') expect(event.error).toBeInstanceOf(StorageError)
        }
      }

      it('logs queries and failures as Kysely does', async () => {
        const { events, db } = await openLogged()
        await loggedQueries(db)
        expect(events.map(describeLogEvent)).toEqual(expectedLoggedQueries)
        expectTimedAndTyped(events)
      })

      // Transactions exist only where the adapter can hold one open.
      it.skipIf(!capabilities.interactiveTransactions)(
        'logs begin, commit, rollback and savepoint statements as Kysely does, with durations and errors',
        async () => {
          const { events, db } = await openLogged()
          await loggedTransactions(db)
          expect(events.map(describeLogEvent)).toEqual(expectedLoggedTransactions.map(asLoggedHere))
          expectTimedAndTyped(events)
          const items = await db.selectFrom('items').select('sku').orderBy('sku').execute()
          expect(items).toEqual([{ sku: 'S1' }, { sku: 'T1' }])
        },
      )

      // Where transactions are not interactive (D1) a batch is one native call; see the adapter's tests.
      it.skipIf(!capabilities.interactiveTransactions)('logs batch() as the transaction it runs in', async () => {
        const { events, storage, db } = await openLogged()
        await storage.batch([
          db.insertInto('items').values({ sku: 'A', name: 'a' }),
          db.updateTable('items').set({ quantity: 2 }),
        ])
        expect(events.map(describeLogEvent)).toEqual(
          [
            'query: begin',
            'query: insert into "items" ("sku", "name") values (?, ?)',
            'query: update "items" set "quantity" = ?',
            'query: commit',
          ].map(asLoggedHere),
        )
      })

      it('gives the same results as Kysely: the same keys, affected-row counts and insert ids', async () => {
        expect(await resultShapes(db)).toStrictEqual(expectedResultShapes)
      })

      it('gives from batch() what running each query alone gives', async () => {
        expect(await storage.batch(batchedQueries(db))).toStrictEqual(expectedBatchResults)
      })

      it('introspects tables and columns as Kysely does', async () => {
        expect(await introspection(db)).toStrictEqual(expectedIntrospection)
      })

      it('keeps the caller in the stack of a StorageError and the engine error as its cause', async () => {
        const failures: [string, unknown][] = [
          ['insertDuplicateOutsideTransaction', await insertDuplicateOutsideTransaction(db).catch((e: unknown) => e)],
          ['batchWithDuplicate', await batchWithDuplicate(storage).catch((e: unknown) => e)],
        ]
        if (capabilities.interactiveTransactions) {
          const inside = await storage
            .transaction((trx) => insertDuplicateInsideTransaction(trx))
            .catch((e: unknown) => e)
          failures.push(['insertDuplicateInsideTransaction', inside])
        }
        for (const [caller, failure] of failures) {
          expect(failure, caller).toBeInstanceOf(UniqueConstraintError)
          expect((failure as Error).stack, caller).toContain(caller)
          expect((failure as Error).cause, caller).toBeInstanceOf(Error)
          expect(((failure as Error).cause as Error).message, caller).toContain('UNIQUE constraint failed')
        }
      })

      // Transactions exist only where the adapter can hold one open.
      it.skipIf(!capabilities.interactiveTransactions)(
        'keeps the caller in the stack of a StorageError raised by the library itself inside a transaction',
        async () => {
          const failure = await storage
            .transaction((trx) => selectUndefinedInsideTransaction(trx))
            .catch((e: unknown) => e)
          expect(failure).toMatchObject({ code: 'INVALID_PARAMETER' })
          expect((failure as Error).stack).toContain('selectUndefinedInsideTransaction')
        },
      )

      it('runs a migration once when Kysely’s Migrator is started several times at once', async () => {
        let runs = 0
        const migrations: Record<string, Migration> = {
          ...conformanceMigrations,
          '0003_counted': {
            async up(db: Kysely<any>) {
              runs++
              await db.insertInto('categories').values({ name: 'counted' }).execute()
            },
          },
        }
        const migrators = Array.from(
          { length: 5 },
          () => new Migrator({ db, provider: { getMigrations: async () => migrations } }),
        )
        const outcomes = await Promise.all(migrators.map((migrator) => migrator.migrateToLatest()))
        expect(outcomes.map((outcome) => outcome.error)).toEqual(Array(5).fill(undefined))
        expect(outcomes.flatMap((outcome) => outcome.results ?? []).map((result) => result.migrationName)).toEqual([
          '0003_counted',
        ])
        expect(runs).toBe(1)
        const counted = await db.selectFrom('categories').select('name').where('name', '=', 'counted').execute()
        expect(counted).toHaveLength(1)
      })
    })

    describe('close with work in flight', () => {
      it('lets a query started before close() finish, keeps its write and announces it', async () => {
        const events: ChangeEvent[] = []
        storage.onChange((event) => events.push(event))
        const write = db.insertInto('items').values({ sku: 'F', name: 'in flight' }).executeTakeFirstOrThrow()
        await storage.close()
        expect((await write).numInsertedOrUpdatedRows).toBe(1n)
        expect(events).toEqual([{ tables: ['items'], source: 'local' }])
        if (harness.reopen) {
          storage = await harness.reopen(storage)
          db = storage.db
          expect(await db.selectFrom('items').select('sku').execute()).toEqual([{ sku: 'F' }])
        }
      })

      // Transactions exist only where the adapter can hold one open.
      it.skipIf(!capabilities.interactiveTransactions)(
        'lets a transaction started before close() finish and commit',
        async () => {
          let closing: Promise<void> | undefined
          const committed = storage.transaction(async (trx) => {
            await trx.insertInto('items').values({ sku: 'T1', name: 'before close' }).execute()
            closing = storage.close()
            await trx.insertInto('items').values({ sku: 'T2', name: 'after close began' }).execute()
            return 'committed'
          })
          expect(await committed).toBe('committed')
          await closing
          if (harness.reopen) {
            storage = await harness.reopen(storage)
            db = storage.db
            const rows = await db.selectFrom('items').select('sku').orderBy('sku').execute()
            expect(rows).toEqual([{ sku: 'T1' }, { sku: 'T2' }])
          }
        },
      )

      it('refuses queries, batches, transactions and migrations started after close() began', async () => {
        const inFlight = db.insertInto('items').values({ sku: 'F', name: 'in flight' }).execute()
        const closing = storage.close()
        const refused = await Promise.all([
          db
            .selectFrom('items')
            .selectAll()
            .execute()
            .catch((e: unknown) => e),
          storage.batch([db.insertInto('items').values({ sku: 'B', name: 'b' })]).catch((e: unknown) => e),
          storage.migrate(conformanceMigrations).catch((e: unknown) => e),
          ...(capabilities.interactiveTransactions
            ? [
                storage.transaction(async () => 'never').catch((e: unknown) => e),
                db
                  .transaction()
                  .execute(async () => 'never')
                  .catch((e: unknown) => e),
              ]
            : []),
        ])
        for (const failure of refused) {
          expect(failure).toBeInstanceOf(StorageError)
          expect(failure).toMatchObject({ code: 'STORAGE_CLOSED' })
        }
        await expect(inFlight).resolves.toHaveLength(1)
        await closing
      })
    })
  })
}

async function insertDuplicateOutsideTransaction(db: Kysely<ConformanceDB>): Promise<void> {
  await db.insertInto('categories').values({ name: 'tools' }).execute()
}

async function insertDuplicateInsideTransaction(trx: Kysely<ConformanceDB>): Promise<void> {
  await trx.insertInto('categories').values({ name: 'parts' }).execute()
}

async function selectUndefinedInsideTransaction(trx: Kysely<ConformanceDB>): Promise<void> {
  await trx
    .selectFrom('items')
    .selectAll()
    .where('sku', '=', undefined as unknown as string)
    .execute()
}

async function batchWithDuplicate(storage: StorageProvider<ConformanceDB>): Promise<void> {
  await storage.batch([storage.db.insertInto('categories').values({ name: 'tools' })])
}

/** Reads the counter item's quantity and writes it back plus one, in one transaction; resolves to the value read. */
function incrementCounter(provider: StorageProvider<ConformanceDB>): Promise<number> {
  return provider.transaction(async (trx) => {
    const { quantity } = await trx
      .selectFrom('items')
      .select('quantity')
      .where('sku', '=', 'COUNTER')
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('items')
      .set({ quantity: quantity + 1 })
      .where('sku', '=', 'COUNTER')
      .execute()
    return quantity
  })
}

async function counter(provider: StorageProvider<ConformanceDB>): Promise<number> {
  const row = await provider.db.selectFrom('items').select('quantity').where('sku', '=', 'COUNTER').executeTakeFirst()
  return row?.quantity ?? Number.NaN
}
