import { IDBFactory } from 'fake-indexeddb'
import { sql } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WASM_SQLITE_MAX_BOUND_PARAMETERS } from '../../../src/browser/open-browser-provider.js'
import { loadWasmSqlite } from '../../../src/browser/wasm-sqlite.js'
import { deleteIndexedDbDatabase, indexedDbAdapter } from '../../../src/indexeddb.js'
import { type AdapterSelection, createStorage, StorageError, StorageUnavailableError } from '../../../src/index.js'
import { localStorageAdapter } from '../../../src/local-storage.js'
import { QuotaStorage } from '../../support/quota-storage.js'

const handlers = ['onsuccess', 'onerror', 'onupgradeneeded', 'onblocked'] as const
type Handler = (typeof handlers)[number]

/**
 * An IndexedDB that holds every `open()` until `answer()` is called, then answers as `indexedDB`
 * does: a browser whose IndexedDB is slow to start, not one that refuses.
 */
function slowIndexedDb(indexedDB: IDBFactory): { factory: IDBFactory; answer: () => void } {
  const held: (() => void)[] = []
  let answered = false
  const factory = {
    open(...args: Parameters<IDBFactory['open']>) {
      let real: IDBOpenDBRequest | undefined
      const request: Record<Handler, ((event: Event) => void) | null> & { result?: IDBDatabase; error?: unknown } = {
        onsuccess: null,
        onerror: null,
        onupgradeneeded: null,
        onblocked: null,
        get result() {
          return real?.result
        },
        get error() {
          return real?.error
        },
      }
      const start = () => {
        real = indexedDB.open(...args)
        for (const handler of handlers) real[handler] = (event: Event) => request[handler]?.(event)
      }
      if (answered) start()
      else held.push(start)
      return request
    },
  } as unknown as IDBFactory
  return {
    factory,
    answer() {
      answered = true
      for (const start of held.splice(0)) start()
    },
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('indexedDbAdapter', () => {
  it('commits with strict durability, or relaxed when asked, and keeps relaxed writes across a reopen', async () => {
    const indexedDB = new IDBFactory()
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('probe-durability')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const Database = Object.getPrototypeOf(database) as IDBDatabase
    database.close()
    const transaction = vi.spyOn(Database, 'transaction')
    const writes = () =>
      transaction.mock.calls.filter(([, mode]) => mode === 'readwrite').map(([, , options]) => options?.durability)
    for (const durability of [undefined, 'relaxed'] as const) {
      transaction.mockClear()
      const name = `durability-${durability ?? 'default'}`
      const storage = await createStorage<{ notes: { text: string } }>({
        adapters: indexedDbAdapter({ name, indexedDB, durability }),
      })
      await sql`create table notes (text text)`.execute(storage.db)
      await storage.db.insertInto('notes').values({ text: 'kept' }).execute()
      await storage.close()
      expect(writes().length).toBeGreaterThanOrEqual(2)
      expect(new Set(writes())).toEqual(new Set([durability ?? 'strict']))
      const reopened = await createStorage<{ notes: { text: string } }>({
        adapters: indexedDbAdapter({ name, indexedDB, durability }),
      })
      expect(await reopened.db.selectFrom('notes').selectAll().execute()).toEqual([{ text: 'kept' }])
      await reopened.close()
    }
    transaction.mockRestore()
  })

  it('is available where IndexedDB really opens', async () => {
    expect(await indexedDbAdapter({ name: 'probe', indexedDB: new IDBFactory() }).isAvailable()).toBe(true)
  })

  it('is unavailable without IndexedDB, and when opening it throws or fails', async () => {
    const missing = indexedDbAdapter({ name: 'probe' })
    expect(await missing.isAvailable()).toBe(false)
    expect(missing.unavailableReason?.()).toBe('IndexedDB is missing here')
    const throwing = {
      open() {
        throw new DOMException('refused in private mode', 'InvalidStateError')
      },
    } as unknown as IDBFactory
    const refused = indexedDbAdapter({ name: 'probe', indexedDB: throwing })
    expect(await refused.isAvailable()).toBe(false)
    expect(refused.unavailableReason?.()).toBe('IndexedDB threw on open: InvalidStateError')
    const failing = {
      open() {
        const request: { error: DOMException; onerror?: () => void } = { error: new DOMException('no', 'UnknownError') }
        setTimeout(() => request.onerror?.())
        return request
      },
    } as unknown as IDBFactory
    const failed = indexedDbAdapter({ name: 'probe', indexedDB: failing })
    expect(await failed.isAvailable()).toBe(false)
    expect(failed.unavailableReason?.()).toBe('IndexedDB refused to open a database: UnknownError')
  })

  it('answers IndexedDB refusing to open the store itself as unavailable (SecurityError), or as a typed error', async () => {
    // The probe database opens; the store's own database is refused, as storage partitioning or a
    // policy change between the two can do.
    const refusingStore = (name: string, error: DOMException, thrown: boolean) => {
      const real = new IDBFactory()
      return {
        open(database: string, version?: number) {
          if (database.startsWith('@inventory/storage:probe')) return real.open(database, version)
          if (thrown) throw error
          const request: { error: DOMException; onerror?: () => void } = { error }
          setTimeout(() => request.onerror?.())
          return request
        },
        name,
      } as unknown as IDBFactory
    }
    for (const thrown of [true, false]) {
      const security = new DOMException('access denied', 'SecurityError')
      const adapter = indexedDbAdapter({ name: 'refused', indexedDB: refusingStore('refused', security, thrown) })
      expect(await adapter.isAvailable()).toBe(true)
      const error = await adapter.open().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StorageUnavailableError)
      expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', adapter: 'indexeddb', cause: security })
      expect((error as Error).message).toContain('SecurityError')
      const selections: AdapterSelection[] = []
      const storage = await createStorage({
        adapters: [
          indexedDbAdapter({ name: 'refused', indexedDB: refusingStore('refused', security, thrown) }),
          localStorageAdapter({ name: 'refused', storage: new QuotaStorage() }),
        ],
        onSelect: (selection) => selections.push(selection),
      })
      await storage.close()
      expect(selections[0]?.adapter).toBe('local-storage')
    }
    const unknown = new DOMException('disk error', 'UnknownError')
    const failed = await indexedDbAdapter({ name: 'refused', indexedDB: refusingStore('refused', unknown, false) })
      .open()
      .catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(StorageError)
    expect(failed).toMatchObject({ code: 'QUERY_FAILED', adapter: 'indexeddb', cause: unknown })
    expect((failed as Error).message).toBe(
      '[@inventory/storage] [indexeddb] IndexedDB could not open the database "refused" (UnknownError: disk error)',
    )
  })

  it('is unavailable where reading indexedDB throws, and createStorage moves on to the next candidate', async () => {
    // As in sandboxed frames and browsers with storage disabled.
    Object.defineProperty(globalThis, 'indexedDB', {
      configurable: true,
      get() {
        throw new DOMException('IndexedDB is disabled here', 'SecurityError')
      },
    })
    try {
      const selections: AdapterSelection[] = []
      const storage = await createStorage({
        adapters: [
          indexedDbAdapter({ name: 'blocked' }),
          localStorageAdapter({ name: 'blocked', storage: new QuotaStorage() }),
        ],
        onSelect: (selection) => selections.push(selection),
      })
      await storage.close()
      expect(selections).toEqual([
        {
          adapter: 'local-storage',
          skipped: [{ adapter: 'indexeddb', reason: 'IndexedDB is blocked here: SecurityError' }],
        },
      ])
    } finally {
      delete (globalThis as { indexedDB?: unknown }).indexedDB
    }
  })

  it('waits for an IndexedDB slower than any timeout instead of passing it over for the next candidate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const slow = slowIndexedDb(new IDBFactory())
    const opening = createStorage({
      adapters: [
        indexedDbAdapter({ name: 'slow', indexedDB: slow.factory }),
        localStorageAdapter({ name: 'slow', storage: new QuotaStorage() }),
      ],
    })
    await vi.advanceTimersByTimeAsync(60_000)
    vi.useRealTimers()
    slow.answer()
    const storage = await opening
    expect(storage.adapter).toBe('indexeddb')
    await storage.close()
  })

  it('refuses to open or delete without IndexedDB with a typed error', async () => {
    const error = await indexedDbAdapter({ name: 'absent' })
      .open()
      .catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(StorageUnavailableError)
    await expect(deleteIndexedDbDatabase({ name: 'absent' })).rejects.toBeInstanceOf(StorageUnavailableError)
  })

  it('declares the bound-parameter limit the WASM build really has', async () => {
    const sqlite = await loadWasmSqlite({}, 'indexeddb')
    const database = new sqlite.oo1.DB(':memory:')
    const limit = sqlite.capi.sqlite3_limit(database, sqlite.capi.SQLITE_LIMIT_VARIABLE_NUMBER, -1)
    database.close()
    expect(limit).toBe(WASM_SQLITE_MAX_BOUND_PARAMETERS)
  })

  it('reports a WASM file that cannot be loaded as StorageUnavailableError', async () => {
    const error = await loadWasmSqlite({ wasmUrl: 'file:///nonexistent/sqlite3.wasm' }, 'indexeddb').catch(
      (failure: unknown) => failure,
    )
    expect(error).toBeInstanceOf(StorageUnavailableError)
  })
})

describe('indexedDbAdapter pages', () => {
  it('creates a new database with the page size asked for, and keeps a stored one’s', async () => {
    const indexedDB = new IDBFactory()
    const pageSize = async (options: { pageSize?: number }) => {
      const storage = await indexedDbAdapter({ name: 'sized', indexedDB, ...options }).open()
      await sql`create table if not exists t (x)`.execute(storage.db)
      const size = (await sql<{ page_size: number }>`pragma page_size`.execute(storage.db)).rows[0]?.page_size
      await storage.close()
      return size
    }
    expect(await pageSize({ pageSize: 8192 })).toBe(8192)
    expect(await pageSize({})).toBe(8192)
    expect(await pageSize({ pageSize: 1024 })).toBe(8192)
  })
})

describe('indexedDbAdapter options', () => {
  it('keeps the options it was given, whatever the caller changes afterwards', async () => {
    const indexedDB = new IDBFactory()
    const options: { name: string; indexedDB?: IDBFactory; pageSize?: number } = { name: 'given', indexedDB }
    const adapter = indexedDbAdapter(options)
    options.name = 'changed'
    options.indexedDB = new IDBFactory()
    options.pageSize = 1024
    const storage = await adapter.open()
    await sql`create table t (x)`.execute(storage.db)
    expect((await sql<{ page_size: number }>`pragma page_size`.execute(storage.db)).rows[0]?.page_size).toBe(4096)
    await storage.close()
    expect((await indexedDB.databases()).map((database) => database.name)).toEqual(['given'])
  })
})
