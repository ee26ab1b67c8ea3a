import { afterAll, describe, expect, it } from 'vitest'
import {
  copyData,
  exportDatabase,
  importDatabase,
  liveQuery,
  type StorageError,
  type StorageProvider,
} from '../../src/index.js'
import { expectedExactItems, exactItems, readExactItems } from '../conformance/database-file-cases.js'
import { type ConformanceDB, conformanceMigrations } from '../conformance/schema.js'
import { chromiumAdapterHarnesses } from '../support/chromium-adapter-harnesses.js'
import { waitFor } from '../support/tab-checks.js'

const harnesses = [chromiumAdapterHarnesses.indexedDb(), chromiumAdapterHarnesses.localStorage()]

afterAll(async () => {
  for (const harness of harnesses) await harness.dispose()
})

const migrated = async (provider: Promise<StorageProvider<ConformanceDB>>) => {
  const storage = await provider
  await storage.migrate(conformanceMigrations)
  return storage
}

describe.each(harnesses.map((harness) => [harness.name, harness] as const))('%s in Chromium', (_, harness) => {
  it('a liveQuery in one tab shows another tab’s commits, and only for the tables it reads', async () => {
    const first = await migrated(harness.open<ConformanceDB>())
    const second = await harness.openTab?.<ConformanceDB>(first)
    if (!second) throw new Error('the Chromium harnesses open tabs')
    const seen: { sku: string; quantity: number }[][] = []
    const stop = liveQuery(first, (db) => db.selectFrom('items').select(['sku', 'quantity']).orderBy('sku')).subscribe(
      (rows) => seen.push(rows),
    )
    await waitFor(() => seen.length === 1)
    await second.db.insertInto('locations').values({ warehouse: 'w', bin: 'b', label: null }).execute()
    await second.db.insertInto('items').values({ sku: 'SOLD', name: 'sold in the other tab', quantity: 3 }).execute()
    await waitFor(() => seen.at(-1)?.length === 1)
    await second.db.updateTable('items').set({ quantity: 2 }).execute()
    await waitFor(() => seen.at(-1)?.[0]?.quantity === 2)
    // The locations commit re-ran nothing: one result before, one per items commit after.
    expect(seen).toEqual([[], [{ sku: 'SOLD', quantity: 3 }], [{ sku: 'SOLD', quantity: 2 }]])
    stop()
    await harness.cleanup()
  })

  it('exports a file that downloads as a Blob and imports back; the other tab’s liveQuery follows', async () => {
    const source = await migrated(harness.open<ConformanceDB>())
    await source.db.insertInto('items').values(exactItems).execute()
    const file = await exportDatabase(source)
    const downloaded = new Uint8Array(await new Blob([file], { type: 'application/vnd.sqlite3' }).arrayBuffer())

    const target = await migrated(harness.open<ConformanceDB>())
    const otherTab = await harness.openTab?.<ConformanceDB>(target)
    if (!otherTab) throw new Error('the Chromium harnesses open tabs')
    const seen: number[] = []
    const stop = liveQuery(otherTab, (db) => db.selectFrom('items').select('sku')).subscribe((rows) =>
      seen.push(rows.length),
    )
    await waitFor(() => seen.length === 1)
    const refused = await importDatabase(target, new TextEncoder().encode('not a database'.repeat(100))).catch(
      (error: unknown) => error,
    )
    expect((refused as StorageError).code).toBe('CORRUPT_STORAGE')
    await importDatabase(target, downloaded)
    await waitFor(() => seen.at(-1) === exactItems.length)
    expect(await readExactItems(otherTab)).toEqual(expectedExactItems)
    expect(await readExactItems(target)).toEqual(expectedExactItems)
    stop()
    await harness.cleanup()
  })
})

describe('between the browser adapters in Chromium', () => {
  it('copies indexeddb → local-storage exactly, and the export of each imports into the other', async () => {
    const [indexedDb, localStorage] = harnesses as [(typeof harnesses)[0], (typeof harnesses)[1]]
    const fromIndexedDb = await migrated(indexedDb.open<ConformanceDB>())
    const toLocalStorage = await migrated(localStorage.open<ConformanceDB>())
    await fromIndexedDb.db.insertInto('items').values(exactItems).execute()
    await copyData(fromIndexedDb, toLocalStorage)
    expect(await readExactItems(toLocalStorage)).toEqual(expectedExactItems)
    const another = await migrated(indexedDb.open<ConformanceDB>())
    await importDatabase(another, await exportDatabase(toLocalStorage))
    expect(await readExactItems(another)).toEqual(expectedExactItems)
    await indexedDb.cleanup()
    await localStorage.cleanup()
  })
})
