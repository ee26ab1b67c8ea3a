import { type Kysely, type Migration, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CopyProgress, copyData, MigrationError, type StorageProvider } from '../../src/index.js'
import type { AdapterHarness } from '../support/adapter-harness.js'
import { exactItems } from './database-file-cases.js'
import { type ConformanceDB, conformanceMigrations } from './schema.js'

/** Every row of every conformance table, blobs as arrays: what must be equal on both sides of a copy. */
export async function readAllTables(provider: StorageProvider<ConformanceDB>) {
  const read = async (table: string) =>
    (
      await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by _rowid_`.execute(provider.db)
    ).rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key, value instanceof Uint8Array ? [...value] : value]),
      ),
    )
  return {
    categories: await read('categories'),
    items: await read('items'),
    movements: await read('movements'),
    locations: await read('locations'),
  }
}

/** Fills a migrated conformance database: an extra category, the exact items, movements and many locations. */
export async function fillSource(provider: StorageProvider<ConformanceDB>, locations = 0): Promise<void> {
  const { db } = provider
  await db.insertInto('categories').values({ name: 'garden' }).execute()
  await db
    .insertInto('items')
    .values(exactItems.map((item, index) => ({ ...item, category_id: index === 0 ? 3 : null, quantity: index })))
    .execute()
  await db
    .insertInto('movements')
    .values([
      { item_id: 1, delta: 5 },
      { item_id: 2, delta: -1 },
    ])
    .execute()
  const rows = Array.from({ length: locations }, (_, i) => ({
    warehouse: `W${i % 7}`,
    bin: `bin ${i} 🧺`,
    label: i % 3 === 0 ? null : `label\u0000${i}`,
  }))
  for (let start = 0; start < rows.length; start += 1000) {
    await provider.batch([db.insertInto('locations').values(rows.slice(start, start + 1000))])
  }
}

/**
 * `copyData` into and out of one adapter: a section of the conformance suite. Both sides are
 * databases of the adapter under test (so it runs in Chromium too); the Node test
 * test/core/copy-data.test.ts copies between different adapters.
 *
 * @param harness - the adapter's harness
 */
export function describeCopyData(harness: AdapterHarness): void {
  // A copy needs a source and a target of the adapter at once; a single-database harness (one
  // Durable Object per test) cannot give both. test/core/copy-data.test.ts covers adapter pairs.
  describe.skipIf(harness.singleDatabase)('copyData', () => {
    let source: StorageProvider<ConformanceDB>
    let target: StorageProvider<ConformanceDB>

    beforeEach(async () => {
      source = await harness.open<ConformanceDB>()
      target = await harness.open<ConformanceDB>()
      await source.migrate(conformanceMigrations)
      await target.migrate(conformanceMigrations)
    })

    afterEach(() => harness.cleanup())

    it('makes every table of the target equal to the source, parents first, exact values', async () => {
      await fillSource(source)
      await target.db.insertInto('categories').values({ name: 'only in the target' }).execute()
      const report = await copyData(source, target)
      expect(await readAllTables(target)).toEqual(await readAllTables(source))
      const order = report.tables.map((table) => table.name)
      expect(order.indexOf('categories')).toBeLessThan(order.indexOf('items'))
      expect(order.indexOf('items')).toBeLessThan(order.indexOf('movements'))
      expect(Object.fromEntries(report.tables.map((table) => [table.name, table.rows]))).toEqual({
        categories: 3,
        items: 3,
        movements: 2,
        locations: 0,
      })
      expect(report).toMatchObject({ rows: 8, atomic: true })
      // The copy left the target a working database: autoincrement continues after the copied ids.
      const next = await target.db
        .insertInto('categories')
        .values({ name: 'next' })
        .returning('id')
        .executeTakeFirstOrThrow()
      expect(next.id).toBe(4)
    })

    it('copies in chunks within the target’s limits, reporting progress, and gives the same result twice', async () => {
      await fillSource(source, 3000)
      const progress: CopyProgress[] = []
      await copyData(source, target, { onProgress: (step) => progress.push(step) })
      const locations = progress.filter((step) => step.table === 'locations')
      expect(locations.length).toBeGreaterThan(1)
      expect(locations.at(-1)).toEqual({ table: 'locations', rows: 3000, totalRows: 3000 })
      expect(locations.map((step) => step.rows)).toEqual([...locations.map((step) => step.rows)].sort((a, b) => a - b))
      await copyData(source, target)
      expect(await readAllTables(target)).toEqual(await readAllTables(source))
    })

    it('stores a blob given as a Uint8Array subclass (a Buffer) or a view into a larger buffer', async () => {
      class Bytes extends Uint8Array {}
      const buffer = new Uint8Array([9, 9, 1, 2, 3, 9])
      await source.db
        .insertInto('items')
        .values([
          { sku: 'SUBCLASS', name: 'subclass', data: new Bytes([4, 5]) },
          { sku: 'VIEW', name: 'view', data: buffer.subarray(2, 5) },
        ])
        .execute()
      const rows = await source.db.selectFrom('items').select('data').orderBy('sku').execute()
      expect(rows.map((row) => [...(row.data ?? [])])).toEqual([
        [4, 5],
        [1, 2, 3],
      ])
    })

    it('copies only the tables asked for', async () => {
      await fillSource(source, 10)
      const report = await copyData(source, target, { tables: ['locations'] })
      expect(report.tables).toEqual([{ name: 'locations', rows: 10 }])
      expect((await readAllTables(target)).locations).toEqual((await readAllTables(source)).locations)
      expect(await target.db.selectFrom('items').selectAll().execute()).toEqual([])
    })

    it('refuses a target with another schema before writing anything, naming the table and column', async () => {
      const other = await harness.open<ConformanceDB>()
      await other.migrate({
        ...conformanceMigrations,
        '0003_item_colour': {
          async up(db: Kysely<any>) {
            await db.schema.alterTable('items').addColumn('colour', 'text').execute()
          },
        } satisfies Migration,
      })
      await fillSource(source)
      const failure = await copyData(source, other).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(MigrationError)
      expect((failure as Error).message).toMatch(/items.*colour/)
      expect(await other.db.selectFrom('categories').select('name').orderBy('name').execute()).toEqual([
        { name: 'parts' },
        { name: 'tools' },
      ])
      const unmigrated = await harness.open<ConformanceDB>()
      const missing = await copyData(source, unmigrated).catch((error: unknown) => error)
      expect(missing).toBeInstanceOf(MigrationError)
      expect((missing as Error).message).toMatch(/no table categories/)
    })

    const abortAtLocations = async () => {
      const controller = new AbortController()
      const failure = await copyData(source, target, {
        signal: controller.signal,
        onProgress: ({ table }) => {
          if (table === 'locations') controller.abort()
        },
      }).catch((error: unknown) => error)
      expect((failure as Error).name).toBe('AbortError')
    }

    // Where the target has transactions the copy is one; D1 sends a copy beyond one batch in several.
    it.skipIf(!harness.capabilities.interactiveTransactions)(
      'stops when aborted and leaves the target as it was',
      async () => {
        await fillSource(source, 3000)
        const before = await readAllTables(target)
        await abortAtLocations()
        expect(await readAllTables(target)).toEqual(before)
      },
    )

    it.skipIf(harness.capabilities.interactiveTransactions)(
      'stops when aborted, and a run of the same copy afterwards completes it',
      async () => {
        await fillSource(source, 3000)
        await abortAtLocations()
        const report = await copyData(source, target)
        expect(report.atomic).toBe(false)
        expect(await readAllTables(target)).toEqual(await readAllTables(source))
      },
    )
  })
}
