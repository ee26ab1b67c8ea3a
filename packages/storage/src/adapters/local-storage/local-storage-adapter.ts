import { sql } from 'kysely'
import { openBrowserProvider } from '../../browser/open-browser-provider.js'
import { browserLockManager, type WebLockManager } from '../../browser/tab-coordination.js'
import type { WasmLocation } from '../../browser/wasm-sqlite.js'
import type { KyselyOptions } from '../../core/create-provider.js'
import { StorageUnavailableError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import { LocalStoragePageStore, type VersionLocks } from './local-storage-page-store.js'
import { StorageEventChannel, type StorageEventTarget } from './storage-event-channel.js'

/** Options of {@link localStorageAdapter}. */
export interface LocalStorageAdapterOptions extends KyselyOptions, WasmLocation {
  /** The database name; databases of different names share one storage without touching each other's keys. */
  name: string
  /** Where the pages live (default `globalThis.localStorage`); pass `sessionStorage` or a test's own `Storage`. */
  storage?: Storage
  /** Where other tabs' `storage` events arrive (default `window`); tests pass their own. */
  storageEvents?: StorageEventTarget
  /**
   * Lock manager writers serialise on (default `navigator.locks`). Where it also has `query()`, as
   * `navigator.locks` does, it must grant shared locks too: tabs then hold one named after their
   * last commit, so a writer learns the newest commit even before this tab's copy of the storage
   * has it.
   */
  locks?: WebLockManager & Partial<Pick<LockManager, 'query'>>
  /** Page size of a new database in bytes (default 4096). */
  pageSize?: number
}

const ADAPTER = 'local-storage'

/**
 * The key prefix of a database: every key it writes starts with it, and no other database's or
 * library's key does.
 *
 * @param name - the database name
 */
export function localStorageKeyPrefix(name: string): string {
  return `@inventory/storage:${ADAPTER}:${encodeURIComponent(name)}:`
}

/**
 * The `local-storage` adapter: SQLite (WASM) in the page, its pages packed densely into
 * `localStorage` strings, every commit atomic, safe across tabs. A write resolves once the pages it
 * changed are stored; when the storage is full it rejects with `StorageQuotaError` and the
 * database stays as it was.
 *
 * @param options - the database name, and the storage to use instead of `localStorage`
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { indexedDbAdapter } from '@inventory/storage/indexeddb'
 * import { localStorageAdapter } from '@inventory/storage/local-storage'
 *
 * const storage = await createStorage<Database>({
 *   adapters: [indexedDbAdapter({ name: 'inventory' }), localStorageAdapter({ name: 'inventory' })],
 * })
 * ```
 */
export function localStorageAdapter(options: LocalStorageAdapterOptions): StorageAdapter {
  const config = Object.freeze({ ...options })
  const keyPrefix = localStorageKeyPrefix(config.name)
  let unavailable: string | undefined
  return {
    name: ADAPTER,
    isAvailable() {
      unavailable = probeStorage(config.storage, keyPrefix)
      return unavailable === undefined
    },
    unavailableReason: () => unavailable,
    async open<DB>(): Promise<StorageProvider<DB>> {
      const storage = resolveStorage(config.storage)
      if (!storage) throw new StorageUnavailableError('localStorage is not available here', { adapter: ADAPTER })
      const store = new LocalStoragePageStore({
        storage,
        keyPrefix,
        adapter: ADAPTER,
        versionLocks: versionLocks(config.locks),
      })
      const events = config.storageEvents ?? windowEvents()
      const provider = await openBrowserProvider<DB>(
        {
          adapter: ADAPTER,
          name: config.name,
          store,
          pageSize: config.pageSize,
          locks: config.locks,
          createChannel: () => (events ? new StorageEventChannel(events, storage, store.metaKey) : undefined),
          wasmUrl: config.wasmUrl,
        },
        { log: config.log, plugins: config.plugins },
      )
      // Deleted content becomes zeros, which the page codec stores in a few characters: deleting
      // rows gives quota back.
      await sql`pragma secure_delete = on`.execute(provider.db)
      return provider
    },
  }
}

/** `storage`, else `localStorage` where it is present and not blocked. */
export function resolveStorage(storage: Storage | undefined): Storage | undefined {
  if (storage) return storage
  try {
    return (globalThis as { localStorage?: Storage }).localStorage
  } catch {
    // Reading `localStorage` throws where it is blocked (sandboxed frames, disabled cookies).
    return undefined
  }
}

/** Writes and removes a probe key; returns why the storage cannot be used, or undefined when it can. */
function probeStorage(storage: Storage | undefined, keyPrefix: string): string | undefined {
  const resolved = resolveStorage(storage)
  if (!resolved) return 'localStorage is missing or blocked here'
  const key = `${keyPrefix}probe`
  try {
    resolved.setItem(key, '1')
    const readBack = resolved.getItem(key)
    resolved.removeItem(key)
    return readBack === '1' ? undefined : 'localStorage did not keep a probe value'
  } catch (error) {
    return `localStorage refused a probe write: ${(error as { name?: string } | null)?.name ?? String(error)}`
  }
}

function windowEvents(): StorageEventTarget | undefined {
  const target = globalThis as Partial<StorageEventTarget>
  return typeof target.addEventListener === 'function' ? (target as StorageEventTarget) : undefined
}

/**
 * The lock manager tabs announce their commits with: the caller's (replacing the browser's for the
 * writers' lock, so for this too) or `navigator.locks`, when it can report held locks.
 */
function versionLocks(locks: LocalStorageAdapterOptions['locks']): VersionLocks | undefined {
  const manager = locks ?? browserLockManager()
  // A manager that reports held locks is taken for a full Web Locks manager (the option's
  // documented contract), which grants shared locks too; its type declares only exclusive ones.
  return typeof manager?.query === 'function' ? (manager as unknown as VersionLocks) : undefined
}
