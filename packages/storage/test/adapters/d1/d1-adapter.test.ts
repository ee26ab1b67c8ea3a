import { D1Dialect } from 'kysely-d1'
import { type Generated, Kysely, type Migration, Migrator, type RawBuilder, SqliteIntrospector, sql } from 'kysely'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { d1Adapter } from '../../../src/d1.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import {
  createStorage,
  exportMigrationsSql,
  ForeignKeyConstraintError,
  MigrationError,
  StorageError,
  type StorageProvider,
  UniqueConstraintError,
  UnsupportedOperationError,
} from '../../../src/index.js'
import { CountingD1Database } from '../../support/counting-d1-database.js'
import { MiniflareD1Pool } from '../../support/miniflare-d1-pool.js'

interface BulkDB {
  readings: { id: Generated<number>; sensor: string; value: number; flag: number; taken: string | null }
  owners: { id: Generated<number>; name: string }
  pets: { id: Generated<number>; owner_id: number; name: string }
}

const schema: Record<string, Migration> = {
  '0001_readings': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('readings')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('sensor', 'text', (column) => column.notNull().unique())
        .addColumn('value', 'real', (column) => column.notNull())
        .addColumn('flag', 'integer', (column) => column.notNull())
        .addColumn('taken', 'text')
        .execute()
    },
  },
  '0002_pets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('owners')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('pets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .execute()
    },
  },
}

const readings = (count: number, prefix = 's') =>
  Array.from({ length: count }, (_, index) => ({
    sensor: `${prefix}${index}`,
    value: index / 2,
    flag: index % 2,
    taken: null,
  }))

const pool = new MiniflareD1Pool(16)
afterAll(() => pool.dispose())

describe('d1 adapter on Miniflare', () => {
  let binding: CountingD1Database
  let storage: StorageProvider<BulkDB>
  let db: Kysely<BulkDB>

  beforeEach(async () => {
    binding = new CountingD1Database((await pool.fresh()).database)
    storage = await createStorage<BulkDB>({ adapters: d1Adapter({ database: binding }) })
    db = storage.db
    await storage.migrate(schema)
    binding.reset()
  })

  afterEach(() => storage.close())

  it('prints no "outdated driver" warning, which plain kysely-d1 does', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    try {
      await db.insertInto('readings').values(readings(1)).execute()
      await db.updateTable('readings').set({ flag: 1 }).execute()
      await db.deleteFrom('readings').execute()
      expect(log).not.toHaveBeenCalled()

      const plain = new Kysely<BulkDB>({ dialect: new D1Dialect({ database: binding as never }) })
      await plain.updateTable('readings').set({ flag: 1 }).execute()
      expect(log).toHaveBeenCalledWith(expect.stringContaining('kysely:warning: outdated driver'))
    } finally {
      log.mockRestore()
    }
  })

  describe('parameter limit', () => {
    // Miniflare's Node proxy makes a 10,000-row batch take seconds (inside workerd it is a fraction
    // of one), hence the longer timeouts.
    it('inserts 10,000 rows × 4 columns with one insert, in ONE batch round trip', { timeout: 90_000 }, async () => {
      const result = await db.insertInto('readings').values(readings(10_000)).executeTakeFirstOrThrow()
      expect(result.numInsertedOrUpdatedRows).toBe(10_000n)
      expect(binding.roundTrips).toBe(1)
      // 400 statements of 25 rows × 4 parameters, after one guard that the table has no triggers:
      // D1 counts the rows of a plain insert exactly, so no statement reads changes() after them
      expect(binding.statements).toBe(1 + 400)
      const stats = await db
        .selectFrom('readings')
        .select((eb) => [
          eb.fn.countAll<number>().as('count'),
          eb.fn.sum<number>('value').as('sum'),
          eb.fn.max<number>('id').as('last'),
        ])
        .executeTakeFirstOrThrow()
      expect(stats).toEqual({ count: 10_000, sum: (9_999 * 10_000) / 4, last: 10_000 })
    })

    it('reads changes() after inserts into a table with a trigger, whose rows D1 would count too', async () => {
      await sql`create trigger pets_named after insert on pets begin update owners set name = name || '+' where id = new.owner_id; end`.execute(
        db,
      )
      await db.insertInto('owners').values({ id: 1, name: 'Ada' }).execute()
      binding.reset()
      const pets = [
        { owner_id: 1, name: 'Rex' },
        { owner_id: 1, name: 'Tom' },
      ]
      const first = await db.insertInto('pets').values(pets).executeTakeFirstOrThrow()
      expect(first.numInsertedOrUpdatedRows).toBe(2n)
      // the guard refuses the batch, applying nothing; it is sent again with changes() read
      expect(binding.roundTrips).toBe(2)
      binding.reset()
      const second = await storage.batch([
        db.insertInto('pets').values(pets),
        db.insertInto('owners').values({ name: 'B' }),
      ])
      expect(second.map((result) => result.numAffectedRows)).toEqual([2n, 1n])
      // the table is remembered: one round trip, its insert followed by changes(), the other guarded
      expect(binding.roundTrips).toBe(1)
      expect(binding.statements).toBe(1 + 2 + 1)
      expect(await db.selectFrom('owners').select('name').orderBy('id').execute()).toEqual([
        { name: 'Ada++++' },
        { name: 'B' },
      ])
      expect(
        await db
          .selectFrom('pets')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirst(),
      ).toEqual({
        count: 4,
      })
    })

    it('applies none of a 10,000-row insert whose last row fails', { timeout: 90_000 }, async () => {
      await db.insertInto('readings').values(readings(1, 'existing')).execute()
      binding.reset()
      const rows = readings(10_000)
      rows[9_999] = { sensor: 'existing0', value: 0, flag: 0, taken: null }
      await expect(db.insertInto('readings').values(rows).execute()).rejects.toBeInstanceOf(UniqueConstraintError)
      expect(binding.roundTrips).toBe(1)
      expect(await db.selectFrom('readings').select('sensor').execute()).toEqual([{ sensor: 'existing0' }])
    })

    it('stores booleans as 1/0 and dates as ISO text in a split insert too', async () => {
      const taken = new Date(Date.UTC(2026, 10, 28))
      const rows = Array.from({ length: 60 }, (_, index) => ({
        sensor: `b${index}`,
        value: 1,
        flag: (index % 2 === 0) as unknown as number,
        taken: taken as unknown as string,
      }))
      await db.insertInto('readings').values(rows).execute()
      expect(binding.statements).toBe(1 + 3)
      const stored = await db
        .selectFrom('readings')
        .select(['flag', 'taken'])
        .where('sensor', 'in', ['b0', 'b1'])
        .orderBy('id')
        .execute()
      expect(stored).toEqual([
        { flag: 1, taken: '2026-11-28T00:00:00.000Z' },
        { flag: 0, taken: '2026-11-28T00:00:00.000Z' },
      ])
    })

    it('reads a 5,000-value in list from json_each(?) in one statement, keeping text as text', async () => {
      await db.insertInto('readings').values(readings(6_000)).execute()
      binding.reset()
      const ids = Array.from({ length: 5_000 }, (_, index) => index * 2 + 1)
      const byId = await db.selectFrom('readings').select('id').where('id', 'in', ids).orderBy('id').execute()
      expect(byId.map((row) => row.id)).toEqual(ids.filter((id) => id <= 6_000))
      expect(binding.statements).toBe(1)

      const sensors = Array.from({ length: 500 }, (_, index) => `s${index * 10}`)
      const bySensor = await db
        .selectFrom('readings')
        .select('sensor')
        .where('sensor', 'in', [...sensors, '0', 0 as never])
        .execute()
      expect(bySensor).toHaveLength(500)

      const removed = await db.deleteFrom('readings').where('id', 'not in', ids).executeTakeFirstOrThrow()
      expect(removed.numDeletedRows).toBe(3_000n)
    })
  })

  describe('parameters and results', () => {
    it('binds bigints as numbers and refuses ones D1 would round', async () => {
      await db
        .insertInto('readings')
        .values({ sensor: 'big', value: (2n ** 52n) as never, flag: 0 })
        .execute()
      expect(await db.selectFrom('readings').select('value').executeTakeFirstOrThrow()).toEqual({ value: 2 ** 52 })
      const failure = await db
        .insertInto('readings')
        .values({ sensor: 'too big', value: (2n ** 60n) as never, flag: 0 })
        .execute()
        .catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'INVALID_PARAMETER', adapter: 'd1' })
      expect((failure as Error).message).toContain('2^53')
    })

    it('refuses undefined with a typed error where raw D1 throws its own D1_TYPE_ERROR', async () => {
      const raw = await (async () =>
        binding
          .prepare('insert into readings (sensor, value, flag) values (?, ?, ?)')
          .bind('raw', 1, undefined)
          .all())().catch((error: unknown) => error)
      expect((raw as Error).message).toContain('D1_TYPE_ERROR')
      const failure = await db
        .updateTable('readings')
        .set({ flag: 1 })
        .where('sensor', '=', undefined as unknown as string)
        .execute()
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(StorageError)
      expect(failure).toMatchObject({ code: 'INVALID_PARAMETER' })
    })

    it('refuses to stream, since D1 has no cursors, with a typed error', async () => {
      const failure = await (async () => {
        for await (const _row of db.selectFrom('readings').selectAll().stream()) return 'streamed'
      })().catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(UnsupportedOperationError)
      expect((failure as Error).message).toContain('limit and offset')
    })

    it('counts zero affected rows as 0, not as missing', async () => {
      const [result] = await storage.batch([db.updateTable('readings').set({ flag: 1 }).where('sensor', '=', 'nobody')])
      expect(result?.numAffectedRows).toBe(0n)
    })

    it('keeps D1’s own error as the cause of a mapped one', async () => {
      const failure = await db
        .insertInto('pets')
        .values({ owner_id: 42, name: 'stray' })
        .execute()
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(ForeignKeyConstraintError)
      expect(((failure as Error).cause as Error).message).toMatch(/^D1_ERROR: FOREIGN KEY constraint failed/)
    })
  })

  describe('batch and transactions', () => {
    it('sends a batch, split inserts included, as ONE atomic round trip', async () => {
      const failure = await storage
        .batch([
          db.insertInto('owners').values({ name: 'Ada' }),
          db.insertInto('readings').values(readings(100)),
          db.insertInto('readings').values(readings(1)),
        ])
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(UniqueConstraintError)
      expect(binding.roundTrips).toBe(1)
      expect(binding.statements).toBe(1 + 1 + 4 + 1)
      expect(await db.selectFrom('owners').selectAll().execute()).toEqual([])
      expect(await db.selectFrom('readings').selectAll().execute()).toEqual([])
    })

    it('logs a split insert once, and does not log batch(), one call to D1', async () => {
      const events: string[] = []
      const logged = await createStorage<BulkDB>({
        adapters: d1Adapter({
          database: (await pool.fresh()).database,
          log: (event) => {
            events.push(`${event.level}: ${event.query.sql.slice(0, 40)}`)
          },
        }),
      })
      await logged.migrate(schema)
      events.length = 0
      await logged.db
        .insertInto('owners')
        .values(Array.from({ length: 150 }, (_, index) => ({ name: `o${index}` })))
        .execute()
      expect(events).toEqual(['query: insert into "owners" ("name") values (?)'])
      events.length = 0
      await logged.batch([logged.db.insertInto('owners').values({ name: 'batched' })])
      expect(events).toEqual([])
      expect(
        await logged.db
          .selectFrom('owners')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirst(),
      ).toEqual({ count: 151 })
      await logged.close()
    })

    it('refuses transactions, through the provider and through Kysely, pointing to batch()', async () => {
      for (const attempt of [
        storage.transaction(async () => 1),
        db.transaction().execute(async (trx) => trx.insertInto('owners').values({ name: 'never' }).execute()),
      ]) {
        const failure = await attempt.catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(UnsupportedOperationError)
        expect((failure as Error).message).toContain('batch(')
      }
      expect(binding.roundTrips).toBe(0)
    })
  })

  describe('migrations', () => {
    it('sends each migration and its kysely_migration row in ONE batch', async () => {
      const report = await storage.migrate({
        ...schema,
        '0003_tags': {
          async up(db: Kysely<any>) {
            await db.schema.createTable('tags').addColumn('name', 'text').execute()
            await db.schema.createIndex('tags_name').on('tags').column('name').execute()
            await db.insertInto('tags').values({ name: 'first' }).execute()
          },
        },
      })
      expect(report.applied).toEqual(['0003_tags'])
      // bookkeeping tables (1 batch of 3), the applied list (1 query), then the migration: its row and
      // its 3 statements; each write is followed by the read of its own changes()
      expect(binding.roundTrips).toBe(3)
      expect(binding.statements).toBe(3 * 2 + 1 + 4 * 2)
    })

    it('refuses a migration that reads midway, applying nothing of it', async () => {
      const failure = await storage
        .migrate({
          ...schema,
          '0003_backfill': {
            async up(db: Kysely<any>) {
              await db.schema.createTable('archive').addColumn('sensor', 'text').execute()
              const rows = await db.selectFrom('readings').select('sensor').execute()
              for (const row of rows) await db.insertInto('archive').values(row).execute()
            },
          },
        })
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(MigrationError)
      expect(failure).toMatchObject({ migration: '0003_backfill' })
      expect((failure as Error).message).toContain('reads data')
      const archive = await sql`select name from sqlite_master where name = 'archive'`.execute(db)
      expect(archive.rows).toEqual([])
      const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
      expect(recorded.rows.map((row) => row.name)).toEqual(['0001_readings', '0002_pets'])
    })

    it('applies exportMigrationsSql files as wrangler would, leaving migrate() nothing to do', async () => {
      const { database } = await pool.fresh()
      for (const { sql: file } of await exportMigrationsSql(schema)) await database.exec(file)
      const migrated = await createStorage<BulkDB>({ adapters: d1Adapter({ database }) })
      expect(await migrated.migrate(schema)).toEqual({ applied: [], alreadyApplied: ['0001_readings', '0002_pets'] })
      expect((await migrated.db.introspection.getTables()).map((table) => table.name)).toEqual([
        'owners',
        'pets',
        'readings',
      ])
      await migrated.close()
    })

    it('applies each migration once when two providers on one database migrate at the same moment', async () => {
      // Two providers on one D1 database stand for two Workers isolates: nothing in memory is
      // shared, only the database.
      const { database, reconnect } = await pool.fresh()
      const providers = [
        await createStorage<BulkDB>({ adapters: d1Adapter({ database }) }),
        await createStorage<BulkDB>({ adapters: d1Adapter({ database: await reconnect() }) }),
      ]
      const migrations: Record<string, Migration> = {
        ...schema,
        '0003_seed': {
          async up(db: Kysely<any>) {
            await db.insertInto('owners').values({ name: 'seeded once' }).execute()
          },
        },
      }
      const reports = await Promise.all(providers.map((provider) => provider.migrate(migrations)))
      for (const name of Object.keys(migrations)) {
        expect(reports.filter((report) => report.applied.includes(name))).toHaveLength(1)
        expect(reports.filter((report) => report.alreadyApplied.includes(name))).toHaveLength(1)
      }
      const shared = providers[0]?.db as Kysely<BulkDB>
      expect(await shared.selectFrom('owners').select('name').execute()).toEqual([{ name: 'seeded once' }])
      const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(shared)
      expect(recorded.rows.map((row) => row.name)).toEqual(['0001_readings', '0002_pets', '0003_seed'])
      await Promise.all(providers.map((provider) => provider.close()))
    })

    it('lets Kysely’s own Migrator apply migrations on D1', async () => {
      const migrator = new Migrator({
        db,
        provider: {
          getMigrations: async () => ({
            ...schema,
            '0003_notes': {
              up: async (db: Kysely<any>) => db.schema.createTable('notes').addColumn('text', 'text').execute(),
            },
          }),
        },
      })
      const { error, results } = await migrator.migrateToLatest()
      expect(error).toBeUndefined()
      expect(results?.map((result) => [result.migrationName, result.status])).toEqual([['0003_notes', 'Success']])
    })

    it('introspects without D1’s internal tables, which Kysely’s SQLite introspector cannot read', async () => {
      const internal = await sql<{
        name: string
      }>`select name from sqlite_master where name like '\_cf\_%' escape '\\'`.execute(db)
      expect(internal.rows.length).toBeGreaterThan(0)
      const plain = await new SqliteIntrospector(db).getTables().catch((error: unknown) => error)
      expect((plain as Error).message).toContain('SQLITE_AUTH')
      const tables = await db.introspection.getTables()
      expect(tables.map((table) => table.name)).toEqual(['owners', 'pets', 'readings'])
      expect(
        tables
          .find((table) => table.name === 'readings')
          ?.columns.map((column) => [column.name, column.isAutoIncrementing]),
      ).toEqual([
        ['id', true],
        ['sensor', false],
        ['value', false],
        ['flag', false],
        ['taken', false],
      ])
    })
  })
})

// The differences docs/provider-api.md lists for D1, each run beside the sqlite adapter.
describe('d1 differs from SQLite elsewhere', () => {
  let d1: StorageProvider<BulkDB>
  let local: StorageProvider<BulkDB>

  beforeEach(async () => {
    d1 = await createStorage<BulkDB>({ adapters: d1Adapter({ database: (await pool.fresh()).database }) })
    local = await createStorage<BulkDB>({ adapters: sqliteAdapter() })
  })

  afterEach(async () => {
    await d1.close()
    await local.close()
  })

  const outcome = (query: RawBuilder<unknown>, storage: StorageProvider<BulkDB>) =>
    query.execute(storage.db).then(
      (result) => ({ rows: result.rows }),
      (error: StorageError) => ({ code: error.code, message: error.message }),
    )

  it('refuses temporary tables and views with SQLITE_AUTH', async () => {
    for (const statement of [sql`create temp table scratch (a)`, sql`create temp view scratch_view as select 1`]) {
      expect(await outcome(statement, d1)).toMatchObject({
        code: 'QUERY_FAILED',
        message: /not authorized: SQLITE_AUTH/,
      })
      expect(await outcome(statement, local)).toEqual({ rows: [] })
    }
    expect(await outcome(sql`create view kept_view as select 1 as one`, d1)).toEqual({ rows: [] })
  })

  it('takes a double-quoted name that matches no column for a string literal', async () => {
    expect(await outcome(sql`select "hello" as greeting`, d1)).toEqual({ rows: [{ greeting: 'hello' }] })
    expect(await outcome(sql`select "hello" as greeting`, local)).toMatchObject({
      code: 'QUERY_FAILED',
      message: /no such column: "hello"/,
    })
  })

  it('refuses pragma integrity_check but runs quick_check', async () => {
    expect(await outcome(sql`pragma integrity_check`, d1)).toMatchObject({ message: /not authorized/ })
    expect(await outcome(sql`pragma quick_check`, d1)).toEqual({ rows: [{ quick_check: 'ok' }] })
  })
})

describe('d1Adapter availability', () => {
  it('is available with a binding and skipped without one', async () => {
    const { database } = await pool.fresh()
    expect(d1Adapter({ database }).isAvailable()).toBe(true)
    expect(d1Adapter({ database: undefined }).isAvailable()).toBe(false)
    const failure = await createStorage({ adapters: d1Adapter({ database: undefined }) }).catch(
      (error: unknown) => error,
    )
    expect(failure).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
    expect((failure as Error).message).toContain('d1 (no D1 binding was given)')
    const notBinding = d1Adapter({ database: {} as never })
    expect(notBinding.isAvailable()).toBe(false)
    expect(notBinding.unavailableReason?.()).toMatch(/not a D1 binding/)
  })
})
