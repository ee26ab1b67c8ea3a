import { sql } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import { createStorage, StorageError, type StorageProvider } from '../../src/index.js'
import { indexedDbAdapter } from '../../src/indexeddb.js'
import { persistentHarness, runConformanceSuite } from '../conformance/conformance-suite.js'
import { type CounterDB, incrementCounter } from '../support/tab-checks.js'

const run = `${Date.now()}`
let databases = 0

runConformanceSuite(
  'indexeddb (Chromium)',
  (options) => {
    const adapter = indexedDbAdapter({ ...options, name: `conformance-${run}-${++databases}` })
    return persistentHarness(() => adapter)
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)

describe('indexeddb in Chromium: two engines of one page, on navigator.locks and BroadcastChannel', () => {
  it('loses no update and reports remote changes', async () => {
    const name = `tabs-${run}`
    const first = await createStorage<CounterDB>({ adapters: indexedDbAdapter({ name }) })
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await first.db.insertInto('counters').values({ id: 1, value: 0 }).execute()
    const second = await createStorage<CounterDB>({ adapters: indexedDbAdapter({ name }) })
    const remote: string[][] = []
    second.onChange((event) => event.source === 'remote' && remote.push([...event.tables]))
    const increment = incrementCounter
    const loop = async (provider: StorageProvider<CounterDB>) => {
      for (let i = 0; i < 100; i++) await increment(provider)
    }
    await Promise.all([loop(first), loop(second)])
    await increment(first)
    expect((await first.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value).toBe(201)
    expect(remote.length).toBeGreaterThan(0)
    expect(remote.every((tables) => tables.join() === 'counters')).toBe(true)
    await first.close()
    await second.close()
  })

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
