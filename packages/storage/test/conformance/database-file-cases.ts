import { sql } from 'kysely'
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

    it.skipIf(!withFiles)('exports a SQLite file that imports into a new database exactly', async () => {
      await storage.db.insertInto('items').values(exactItems).execute()
      const file = await exportDatabase(storage)
      expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SQLITE_HEADER)
      // Rollback-journal mode: the file opens alone, without -wal or -shm files.
      expect([file[18], file[19]]).toEqual([1, 1])
      const copy = await harness.open<ConformanceDB>()
      await importDatabase(copy, file)
      expect(await readItems(copy)).toEqual(expectedItems)
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
