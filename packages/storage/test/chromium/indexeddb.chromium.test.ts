import { sql } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import { createStorage, StorageError } from '../../src/index.js'
import { deleteIndexedDbDatabase, indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter } from '../../src/local-storage.js'
import { runConformanceSuite } from '../conformance/conformance-suite.js'
import { chromiumAdapterHarnesses } from '../support/chromium-adapter-harnesses.js'
import type { CounterDB } from '../support/tab-checks.js'

const run = `${Date.now()}`

runConformanceSuite(chromiumAdapterHarnesses.indexedDb())

describe('indexeddb in Chromium', () => {
  it('is available here, where IndexedDB really opens', async () => {
    expect(await indexedDbAdapter({ name: 'probe' }).isAvailable()).toBe(true)
  })
})

describe('indexeddb in Chromium: a commit the browser aborts', () => {
  it('rejects the write, keeps memory at the stored state and stores none of it', async () => {
    const adapter = indexedDbAdapter({ name: `aborted-${run}` })
    const storage = await createStorage<CounterDB>({ adapters: adapter })
    await sql`create table counters (id integer primary key, value integer not null)`.execute(storage.db)
    await storage.db.insertInto('counters').values({ id: 1, value: 1 }).execute()
    const put = IDBObjectStore.prototype.put
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      const request = put.apply(this, args)
      if (this.name === 'pages') this.transaction.abort()
      return request
    })
    const failure = await storage.db
      .insertInto('counters')
      .values({ id: 2, value: 2 })
      .execute()
      .catch((error: unknown) => error)
    spy.mockRestore()
    expect(failure).toBeInstanceOf(StorageError)
    expect((failure as StorageError).message).toMatch(/IndexedDB transaction failed \(AbortError\)/)
    expect(await storage.db.selectFrom('counters').select('id').execute()).toEqual([{ id: 1 }])
    await storage.close()
    const reopened = await createStorage<CounterDB>({ adapters: adapter })
    expect(await reopened.db.selectFrom('counters').select('id').execute()).toEqual([{ id: 1 }])
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(reopened.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
    await reopened.close()
  })
})

describe('indexeddb in Chromium: a damaged store', () => {
  /** Overwrites page 1 of the stored database with bytes that are no SQLite header. */
  async function overwriteFirstPage(name: string): Promise<void> {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const opening = indexedDB.open(name)
      opening.onsuccess = () => resolve(opening.result)
      opening.onerror = () => reject(opening.error)
    })
    const transaction = database.transaction('pages', 'readwrite')
    transaction.objectStore('pages').put({ page: 1, version: 1, data: new Uint8Array(4096).fill(7) })
    await new Promise((resolve) => {
      transaction.oncomplete = resolve
    })
    database.close()
  }

  it('is thrown by createStorage naming indexeddb, localStorage untouched; deleted, it opens empty', async () => {
    const name = `damaged-${run}`
    const stored = await createStorage<CounterDB>({ adapters: indexedDbAdapter({ name }) })
    await sql`create table counters (id integer primary key, value integer not null)`.execute(stored.db)
    await stored.close()
    await overwriteFirstPage(name)
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const error = await createStorage({
      adapters: [indexedDbAdapter({ name }), localStorageAdapter({ name })],
    }).catch((failure: unknown) => failure)
    const localStorageWrites = setItem.mock.calls.length
    setItem.mockRestore()
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'indexeddb' })
    expect(localStorageWrites).toBe(0)

    await deleteIndexedDbDatabase({ name })
    const fresh = await createStorage({ adapters: indexedDbAdapter({ name }) })
    expect(await fresh.db.introspection.getTables()).toEqual([])
    await fresh.close()
  })
})
