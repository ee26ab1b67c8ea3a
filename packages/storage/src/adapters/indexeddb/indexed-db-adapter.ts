import { openBrowserProvider } from '../../browser/open-browser-provider.js'
import type { ChangeChannel, WebLockManager } from '../../browser/tab-coordination.js'
import type { WasmLocation } from '../../browser/wasm-sqlite.js'
import type { KyselyOptions } from '../../core/create-provider.js'
import { StorageUnavailableError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import { type IndexedDbDurability, IndexedDbPageStore } from './indexed-db-page-store.js'

/** Options of {@link indexedDbAdapter}. */
export interface IndexedDbAdapterOptions extends KyselyOptions, WasmLocation {
  /** The database name: the IndexedDB database, and what tabs of the same database share. */
  name: string
  /** The IndexedDB factory (default `globalThis.indexedDB`); pass `new IDBFactory()` from fake-indexeddb in Node tests. */
  indexedDB?: IDBFactory
  /** Lock manager writers serialise on (default `navigator.locks`). */
  locks?: WebLockManager
  /** Opens the channel commits are announced on (default `new BroadcastChannel(name)`). */
  broadcastChannel?: (name: string) => ChangeChannel | undefined
  /** Page size of a new database in bytes (default 4096). */
  pageSize?: number
  /**
   * When a write resolves (default `'strict'`). `'strict'`: once the browser has flushed the
   * commit to disk, so an acknowledged write survives a crash of the operating system or a power
   * loss. `'relaxed'`: once the browser holds the commit, which takes much less time; the write
   * still survives closing the tab or the browser, and is still atomic, but the last writes before
   * an operating-system crash or a power loss may be lost (never half of one). For data that can
   * be fetched or made again.
   */
  durability?: IndexedDbDurability
}

const ADAPTER = 'indexeddb'

/**
 * The `indexeddb` adapter: SQLite (WASM) in the page, its pages stored in IndexedDB, safe across
 * tabs. A write resolves once the pages it changed are committed to IndexedDB.
 *
 * @param options - the database name, and the browser facilities to use instead of the globals
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { indexedDbAdapter } from '@inventory/storage/indexeddb'
 *
 * const storage = await createStorage<Database>({ adapters: indexedDbAdapter({ name: 'inventory' }) })
 * storage.onChange(({ tables, source }) => source === 'remote' && refresh(tables))
 * ```
 */
export function indexedDbAdapter(options: IndexedDbAdapterOptions): StorageAdapter {
  const config = Object.freeze({ ...options })
  const factory = () => config.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  let unavailable: string | undefined
  return {
    name: ADAPTER,
    async isAvailable() {
      unavailable = await probeIndexedDb(factory)
      return unavailable === undefined
    },
    unavailableReason: () => unavailable,
    open<DB>(): Promise<StorageProvider<DB>> {
      const indexedDB = factory()
      if (!indexedDB) {
        return Promise.reject(new StorageUnavailableError('IndexedDB is not available here', { adapter: ADAPTER }))
      }
      return openBrowserProvider<DB>(
        {
          adapter: ADAPTER,
          name: config.name,
          store: new IndexedDbPageStore({
            name: config.name,
            indexedDB,
            adapter: ADAPTER,
            durability: config.durability,
          }),
          pageSize: config.pageSize,
          locks: config.locks,
          createChannel: config.broadcastChannel,
          wasmUrl: config.wasmUrl,
        },
        { log: config.log, plugins: config.plugins },
      )
    },
  }
}

/**
 * Whether IndexedDB really opens: it can exist and still refuse (private modes, some embedded
 * browsers). Opens and closes a small probe database; returns why it cannot be used, or undefined
 * when it can. Only a refusal counts: a slow IndexedDB is waited for, because answering "unavailable"
 * would make `createStorage` open the next candidate, an empty database, in place of this one.
 */
async function probeIndexedDb(factory: () => IDBFactory | undefined): Promise<string | undefined> {
  let indexedDB: IDBFactory | undefined
  try {
    indexedDB = factory()
  } catch (error) {
    // Reading `indexedDB` throws where it is blocked (sandboxed frames, storage disabled).
    return `IndexedDB is blocked here: ${(error as { name?: string } | null)?.name ?? String(error)}`
  }
  if (!indexedDB) return 'IndexedDB is missing here'
  try {
    return await new Promise<string | undefined>((resolve) => {
      const opening = indexedDB.open('@inventory/storage:probe')
      opening.onsuccess = () => {
        opening.result.close()
        resolve(undefined)
      }
      opening.onerror = () => {
        resolve(`IndexedDB refused to open a database: ${opening.error?.name ?? 'unknown error'}`)
      }
    })
  } catch (error) {
    return `IndexedDB threw on open: ${(error as { name?: string } | null)?.name ?? String(error)}`
  }
}
