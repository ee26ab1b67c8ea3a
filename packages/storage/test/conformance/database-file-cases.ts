import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type ChangeEvent,
  exportDatabase,
  importDatabase,
  StorageError,
  type StorageProvider,
  UnsupportedOperationError,
} from '../../src/index.js'
import type { AdapterHarness } from '../support/adapter-harness.js'
import { integrityCheck, waitFor } from '../support/tab-checks.js'
import { type ConformanceDB, conformanceMigrations } from './schema.js'

/** Values that must survive a trip through a file byte for byte. */
export const exactItems = [
  { sku: 'BLOB', name: 'bytes', data: new Uint8Array([0, 1, 254, 255]), big: null, price: null, note: null },
  { sku: 'BIG', name: 'largest exact integer', data: null, big: 2 ** 53 - 1, price: -0.1, note: 'a\u0000b' },
  { sku: 'EMOJI', name: '📦 crate ✓', data: null, big: -(2 ** 53 - 1), price: 1e308, note: '' },
]

/** {@link exactItems} as {@link readExactItems} reads them back. */
export const expectedExactItems = [...exactItems]
  .sort((a, b) => (a.sku < b.sku ? -1 : 1))
  .map((item) => ({ ...item, data: item.data && [...item.data] }))

/** The items' exact columns, blobs as plain arrays of bytes (better-sqlite3 gives a `Buffer`). */
export async function readExactItems(provider: StorageProvider<ConformanceDB>) {
  const rows = await provider.db
    .selectFrom('items')
    .select(['sku', 'name', 'data', 'big', 'price', 'note'])
    .orderBy('sku')
    .execute()
  return rows.map((row) => ({ ...row, data: row.data && [...row.data] }))
}

const SQLITE_HEADER = 'SQLite format 3\u0000'

/**
 * `exportDatabase` and `importDatabase` on one adapter: a section of the conformance suite. D1
 * cannot hand out or replace its file from a Worker, so there both must refuse with a typed error.
 *
 * @param harness - the adapter's harness
 */
export function describeDatabaseFiles(harness: AdapterHarness): void {
  // D1 and Durable Objects have no file a Worker can read or replace, and workerd has no in-memory
  // SQLite to copy into (wrangler d1 export/execute work outside).
  const withFiles = harness.adapter !== 'd1' && harness.adapter !== 'durable-object'

  describe('exportDatabase / importDatabase', () => {
    let storage: StorageProvider<ConformanceDB>

    beforeEach(async () => {
      storage = await harness.open<ConformanceDB>()
      await storage.migrate(conformanceMigrations)
    })

    afterEach(() => harness.cleanup())

    const readItems = readExactItems
    const expectedItems = expectedExactItems

    it.skipIf(withFiles)('refuses both with UnsupportedOperationError where the adapter has no file', async () => {
      await expect(exportDatabase(storage)).rejects.toBeInstanceOf(UnsupportedOperationError)
      await expect(importDatabase(storage, new Uint8Array(4096))).rejects.toBeInstanceOf(UnsupportedOperationError)
    })

    it.skipIf(withFiles || !harness.openScratch)(
      'exports through an empty scratch database a file equal to the source, table by table',
      async () => {
        await storage.db.insertInto('items').values(exactItems).execute()
        await createAwkwardTables(storage)
        const scratch = await harness.openScratch?.<ConformanceDB>()
        const file = await exportDatabase(storage, { scratch: scratch as StorageProvider<ConformanceDB> })
        expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SQLITE_HEADER)
        const copy = (await harness.openScratch?.<ConformanceDB>()) as StorageProvider<ConformanceDB>
        await importDatabase(copy, file)
        expect(await integrityCheck(copy.db)).toEqual([{ integrity_check: 'ok' }])
        expect(await dumpDatabase(copy.db)).toEqual(await dumpDatabase(storage.db))
        expect((await dumpDatabase(copy.db)).tables.audit).toEqual([])
        expect(await readItems(copy)).toEqual(expectedItems)
        expect((await copy.migrate(conformanceMigrations)).applied).toEqual([])
        // The trigger came along and works in the copy.
        await copy.db.insertInto('items').values({ sku: 'AFTER', name: 'copied trigger' }).execute()
        expect((await sql`select sku from audit`.execute(copy.db)).rows).toEqual([{ sku: 'AFTER' }])
      },
    )

    it.skipIf(withFiles)('refuses a scratch database that cannot take the copy, and leaves it as it was', async () => {
      const same = await exportDatabase(storage, { scratch: storage }).catch((error: unknown) => error)
      expect(same).toBeInstanceOf(StorageError)
      expect((same as StorageError).code).toBe('INVALID_PARAMETER')
      if (!harness.openScratch) {
        // workerd has no engine with a file: the typed refusal, which names the way out.
        await expect(exportDatabase(storage)).rejects.toThrow(/scratch/)
        return
      }
      const used = await harness.openScratch<ConformanceDB>()
      await sql`create table kept (id integer primary key)`.execute(used.db)
      await sql`insert into kept (id) values (1)`.execute(used.db)
      const notEmpty = await exportDatabase(storage, { scratch: used }).catch((error: unknown) => error)
      expect(notEmpty).toBeInstanceOf(StorageError)
      expect((notEmpty as StorageError).code).toBe('INVALID_PARAMETER')
      expect((await sql`select id from kept`.execute(used.db)).rows).toEqual([{ id: 1 }])
      expect((await dumpDatabase(used.db)).schema.map((entry) => entry.name)).toEqual(['kept'])
      if (!harness.singleDatabase) {
        const fileless = await harness.open<ConformanceDB>()
        await expect(exportDatabase(storage, { scratch: fileless })).rejects.toBeInstanceOf(UnsupportedOperationError)
      }
    })

    it.skipIf(!withFiles)('exports a SQLite file that imports into a new database exactly', async () => {
      await storage.db.insertInto('items').values(exactItems).execute()
      await createAwkwardTables(storage)
      const file = await exportDatabase(storage)
      expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SQLITE_HEADER)
      // Rollback-journal mode: the file opens alone, without -wal or -shm files.
      expect([file[18], file[19]]).toEqual([1, 1])
      const copy = await harness.open<ConformanceDB>()
      await importDatabase(copy, file)
      expect(await readItems(copy)).toEqual(expectedItems)
      expect(await dumpDatabase(copy.db)).toEqual(await dumpDatabase(storage.db))
      expect((await copy.migrate(conformanceMigrations)).applied).toEqual([])
      expect(await integrityCheck(copy.db)).toEqual([{ integrity_check: 'ok' }])
    })

    it.skipIf(!withFiles)('replaces every table, tells onChange, and keeps the database usable', async () => {
      const source = await harness.open<ConformanceDB>()
      await source.migrate(conformanceMigrations)
      await source.db.insertInto('items').values(exactItems).execute()
      const file = await exportDatabase(source)
      await storage.db.insertInto('items').values({ sku: 'OLD', name: 'replaced' }).execute()
      await sql`create table scratch (id integer primary key)`.execute(storage.db)
      const events: ChangeEvent[] = []
      storage.onChange((event) => events.push(event))
      await importDatabase(storage, file)
      expect(await readItems(storage)).toEqual(expectedItems)
      const tables = await storage.db.introspection.getTables()
      expect(tables.map((table) => table.name).includes('scratch')).toBe(false)
      expect(events).toEqual([
        {
          tables: expect.arrayContaining(['categories', 'items', 'locations', 'movements', 'scratch']),
          source: 'local',
        },
      ])
      await storage.db.insertInto('items').values({ sku: 'NEW', name: 'after import' }).execute()
      expect(await storage.db.selectFrom('items').select('sku').where('sku', '=', 'NEW').execute()).toHaveLength(1)
    })

    it.skipIf(!withFiles)('refuses bytes that are no SQLite file, or a damaged one, and keeps the data', async () => {
      await storage.db.insertInto('items').values(exactItems).execute()
      const good = await exportDatabase(storage)
      const damaged = good.slice()
      // Overwrite every page after the first with noise: the header survives, the b-trees do not.
      for (let index = 4096; index < damaged.length; index++) damaged[index] = (index * 7919) % 251
      const candidates = [
        new TextEncoder().encode('sku,name\nA,a\n'.repeat(100)),
        new Uint8Array(8192),
        good.subarray(0, good.length - 100),
        damaged,
      ]
      for (const bytes of candidates) {
        const failure = await importDatabase(storage, bytes).catch((error: unknown) => error)
        expect(failure).toBeInstanceOf(StorageError)
        expect((failure as StorageError).code).toBe('CORRUPT_STORAGE')
      }
      expect(await readItems(storage)).toEqual(expectedItems)
      expect(await integrityCheck(storage.db)).toEqual([{ integrity_check: 'ok' }])
      await storage.db.insertInto('items').values({ sku: 'LATER', name: 'still writable' }).execute()
    })

    it.skipIf(!withFiles)('imports a file of an older schema that migrate() then brings up to date', async () => {
      const older = await harness.open<ConformanceDB>()
      const first = { '0001_catalog': conformanceMigrations['0001_catalog'] as (typeof conformanceMigrations)[string] }
      await older.migrate(first)
      await older.db.insertInto('items').values({ sku: 'V1', name: 'from version one' }).execute()
      await importDatabase(storage, await exportDatabase(older))
      expect((await storage.migrate(conformanceMigrations)).applied).toEqual(['0002_movements'])
      expect(await storage.db.selectFrom('items').select('sku').execute()).toEqual([{ sku: 'V1' }])
      expect(await storage.db.selectFrom('movements').selectAll().execute()).toEqual([])
    })

    // Only adapters that keep the tabs of one origin in sync tell other tabs.
    it.skipIf(!withFiles || !harness.capabilities.crossTabSync)(
      'tells the other tabs, which then read the imported rows',
      async () => {
        if (!harness.openTab) throw new Error(`${harness.name} syncs tabs but its harness cannot open a second one`)
        const other = await harness.openTab<ConformanceDB>(storage)
        const heard: ChangeEvent[] = []
        other.onChange((event) => heard.push(event))
        const source = await harness.open<ConformanceDB>()
        await source.migrate(conformanceMigrations)
        await source.db.insertInto('items').values(exactItems).execute()
        await importDatabase(storage, await exportDatabase(source))
        await waitFor(() => heard.length > 0)
        // What the other tab hears is the import, and only once it can read the imported rows; never
        // a late announcement of a commit it opened with (Chromium delivers storage events late).
        expect(heard).toEqual([
          { tables: expect.arrayContaining(['categories', 'items', 'locations', 'movements']), source: 'remote' },
        ])
        expect(await readItems(other)).toEqual(expectedItems)
      },
    )
  })
}

/**
 * Every schema entry and every row of a database, each value as its storage class and an exact
 * form (reals as numbers, the rest in hex), rows by rowid or key: two databases with
 * equal dumps hold the same data, whatever engine answers. D1's internal `_cf_*` tables are left out.
 */
async function dumpDatabase(db: Kysely<any>) {
  const { rows: schema } = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
    select type, name, tbl_name, sql from sqlite_master
    where lower(substr(name, 1, 4)) != '_cf_' and lower(substr(tbl_name, 1, 4)) != '_cf_'
    order by name`.execute(db)
  const tables: Record<string, unknown[]> = {}
  for (const entry of schema) {
    if (entry.type !== 'table') continue
    const { rows: columns } = await sql<{ name: string }>`select name from pragma_table_info(${entry.name})`.execute(db)
    const withoutRowid = /without\s+rowid/i.test(entry.sql ?? '')
    const names = [...(withoutRowid ? [] : ['_rowid_']), ...columns.map((column) => column.name)]
    const exact = names.flatMap((name, index) => {
      const id = sql.id(name)
      return [
        sql`typeof(${id}) as ${sql.id(`t${index}`)}`,
        sql`case typeof(${id}) when 'real' then case when ${id} = 9e999 then 'Inf' when ${id} = -9e999 then '-Inf' else ${id} end else hex(${id}) end as ${sql.id(`v${index}`)}`,
      ]
    })
    const order = withoutRowid ? sql.join(columns.map((column) => sql.id(column.name))) : sql`_rowid_`
    const { rows } = await sql`select ${sql.join(exact)} from ${sql.id(entry.name)} order by ${order}`.execute(db)
    tables[entry.name] = rows
  }
  return { schema, tables }
}

/**
 * Tables that a copy row by row could get wrong: rowids with gaps in a table without a key,
 * AUTOINCREMENT's counter past the last row, integers past 2^53, an infinite real, NUL in text, a
 * `without rowid` table, and schema objects (index, view, trigger) that must not act on copied rows.
 */
async function createAwkwardTables(storage: StorageProvider<ConformanceDB>): Promise<void> {
  for (const statement of [
    'create table counters (id integer primary key autoincrement, label text)',
    "insert into counters (label) values ('one'), ('two'), ('three')",
    'delete from counters where id = 3',
    'create table loose (a, b)',
    "insert into loose (rowid, a, b) values (10, 9007199254740993, 'x' || char(0) || 'y'), (20, 9e999, x'00ff'), (30, -0.1, null), (31, 3, 3.0)",
    'create table pairs (k text, n integer, primary key (k, n)) without rowid',
    "insert into pairs values ('b', 2), ('a', 1)",
    'create table audit (sku text)',
    'create index loose_b on loose (b)',
    'create view stocked as select sku from items where big is not null',
    'create trigger items_audit after insert on items begin insert into audit (sku) values (new.sku); end',
  ]) {
    await sql.raw(statement).execute(storage.db)
  }
}
