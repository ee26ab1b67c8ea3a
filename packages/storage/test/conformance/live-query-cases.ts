import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { liveQuery, StorageError, type StorageProvider } from '../../src/index.js'
import type { AdapterHarness } from '../support/adapter-harness.js'
import { waitFor } from '../support/tab-checks.js'
import { type ConformanceDB, conformanceMigrations } from './schema.js'

/** A subscriber that records what it receives. */
function recorder<R>() {
  const received = { rows: [] as R[][], errors: [] as unknown[], completed: 0 }
  const observer = {
    next: (rows: R[]) => received.rows.push(rows),
    error: (error: unknown) => received.errors.push(error),
    complete: () => {
      received.completed++
    },
  }
  return { received, observer }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30))

/**
 * `liveQuery` on one adapter: a section of the conformance suite, in its own file because it opens
 * its own databases.
 *
 * @param harness - the adapter's harness
 */
export function describeLiveQueries(harness: AdapterHarness): void {
  describe('liveQuery', () => {
    let storage: StorageProvider<ConformanceDB>

    beforeEach(async () => {
      storage = await harness.open<ConformanceDB>()
      await storage.migrate(conformanceMigrations)
    })

    afterEach(() => harness.cleanup())

    const skus = () => liveQuery(storage, (db) => db.selectFrom('items').select('sku').orderBy('sku'))

    it('emits the rows now, then after each commit to a table the query reads', async () => {
      const { received, observer } = recorder<{ sku: string }>()
      const stop = skus().subscribe(observer)
      await waitFor(() => received.rows.length === 1)
      expect(received.rows).toEqual([[]])
      await storage.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
      await waitFor(() => received.rows.length === 2)
      expect(received.rows[1]).toEqual([{ sku: 'A' }])
      stop()
    })

    it('does not re-run for a write to a table it does not read', async () => {
      const { received, observer } = recorder<{ sku: string }>()
      const stop = skus().subscribe(observer)
      await waitFor(() => received.rows.length === 1)
      await storage.db.insertInto('locations').values({ warehouse: 'w', bin: 'b', label: null }).execute()
      await storage.db.insertInto('categories').values({ name: 'garden' }).execute()
      await settle()
      expect(received.rows).toHaveLength(1)
      stop()
    })

    it('re-runs for a table read only in a join or subquery', async () => {
      const { received, observer } = recorder<{ sku: string; category: string | null }>()
      const stop = liveQuery(storage, (db) =>
        db
          .selectFrom('items')
          .leftJoin('categories', 'categories.id', 'items.category_id')
          .select(['items.sku', 'categories.name as category'])
          .where('items.id', 'not in', db.selectFrom('movements').select('item_id'))
          .orderBy('items.sku'),
      ).subscribe(observer)
      const item = await storage.db
        .insertInto('items')
        .values({ sku: 'J', name: 'j', category_id: 1 })
        .returning('id')
        .executeTakeFirstOrThrow()
      await waitFor(() => received.rows.at(-1)?.length === 1)
      await storage.db.updateTable('categories').set({ name: 'renamed' }).where('id', '=', 1).execute()
      await waitFor(() => received.rows.at(-1)?.[0]?.category === 'renamed')
      await storage.db.insertInto('movements').values({ item_id: item.id, delta: 1 }).execute()
      await waitFor(() => received.rows.at(-1)?.length === 0)
      stop()
    })

    it('coalesces a burst of commits into one more run and never emits older rows after newer', async () => {
      const { received, observer } = recorder<{ sku: string }>()
      const stop = skus().subscribe(observer)
      await waitFor(() => received.rows.length === 1)
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          storage.db
            .insertInto('items')
            .values({ sku: `B-${String(i).padStart(2, '0')}`, name: 'b' })
            .execute(),
        ),
      )
      await waitFor(() => received.rows.at(-1)?.length === 20)
      await settle()
      // One run for the first commit, one more for all that came during it: far fewer than 20.
      expect(received.rows.length).toBeLessThanOrEqual(4)
      const counts = received.rows.map((rows) => rows.length)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      stop()
    })

    it('delivers a failing run to error and keeps watching', async () => {
      const { received, observer } = recorder<{ n: number }>()
      const stop = liveQuery(storage, (db) =>
        db
          .selectFrom('items')
          .select((eb) => eb.fn<number>('abs', [eb.ref('big')]).as('n'))
          .orderBy('sku'),
      ).subscribe(observer)
      await waitFor(() => received.rows.length === 1)
      // abs() of the smallest 64-bit integer overflows: SQLite raises an error for that row.
      await sql`insert into items (sku, name, big) values ('O', 'overflow', -9223372036854775807 - 1)`.execute(
        storage.db,
      )
      await waitFor(() => received.errors.length === 1)
      expect(received.errors[0]).toBeInstanceOf(StorageError)
      await storage.db.deleteFrom('items').execute()
      await waitFor(() => received.rows.length === 2)
      expect(received.rows[1]).toEqual([])
      stop()
    })

    it('stops after unsubscribe (both styles) and emits nothing after close()', async () => {
      const first = recorder<{ sku: string }>()
      const second = recorder<{ sku: string }>()
      const stopFirst = skus().subscribe(first.observer)
      const subscription = skus().subscribe(second.observer)
      await waitFor(() => first.received.rows.length === 1 && second.received.rows.length === 1)
      stopFirst()
      await storage.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
      await waitFor(() => second.received.rows.length === 2)
      subscription.unsubscribe()
      await storage.db.insertInto('items').values({ sku: 'B', name: 'b' }).execute()
      const third = recorder<{ sku: string }>()
      skus().subscribe(third.observer)
      await waitFor(() => third.received.rows.length === 1)
      await storage.close()
      await settle()
      expect(first.received.rows).toHaveLength(1)
      expect(second.received.rows).toHaveLength(2)
      expect(third.received.rows).toEqual([[{ sku: 'A' }, { sku: 'B' }]])
      expect(third.received.errors).toEqual([])
    })

    it('is an interoperable observable: the Symbol.observable / @@observable method returns it', () => {
      const live = skus()
      expect(live['@@observable']()).toBe(live)
    })

    // Only adapters that keep the tabs of one origin in sync hear other tabs' commits.
    it.skipIf(!harness.capabilities.crossTabSync)('re-runs after a commit made in another tab', async () => {
      if (!harness.openTab) throw new Error(`${harness.name} syncs tabs but its harness cannot open a second one`)
      const other = await harness.openTab<ConformanceDB>(storage)
      const { received, observer } = recorder<{ sku: string }>()
      const stop = skus().subscribe(observer)
      await waitFor(() => received.rows.length === 1)
      await other.db.insertInto('items').values({ sku: 'T', name: 'from the other tab' }).execute()
      await waitFor(() => received.rows.at(-1)?.length === 1)
      expect(received.rows.at(-1)).toEqual([{ sku: 'T' }])
      stop()
    })
  })
}
