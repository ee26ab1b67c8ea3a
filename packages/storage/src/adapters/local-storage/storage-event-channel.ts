import type { ChangeChannel } from '../../browser/tab-coordination.js'
import type { LocalStorageMeta } from './local-storage-page-store.js'

/** The part of `window` the channel listens on: where the browser fires `storage` events. */
export interface StorageEventTarget {
  /**
   * Listens for changes other tabs make to the origin's storage.
   *
   * @param type - always `'storage'`
   * @param listener - receives each change another tab made to a `Storage`
   */
  addEventListener(type: 'storage', listener: (event: StorageChange) => void): void
  /**
   * Stops listening.
   *
   * @param type - always `'storage'`
   * @param listener - a listener given to `addEventListener`
   */
  removeEventListener(type: 'storage', listener: (event: StorageChange) => void): void
}

/** The fields of a `StorageEvent` the channel reads. */
export interface StorageChange {
  /** The key that changed; `null` when the storage was cleared. */
  readonly key: string | null
  /** The key's new value; `null` when it was removed. */
  readonly newValue: string | null
  /** The `Storage` that changed, as seen from the receiving tab. */
  readonly storageArea: Storage | null
}

/**
 * The engine's change channel for localStorage: a commit's meta record already names the new
 * version and the tables written, and the browser fires a `storage` event for it in every other
 * tab of the origin. So nothing is sent; other tabs' meta writes are read as announcements.
 */
export class StorageEventChannel implements ChangeChannel {
  readonly #target: StorageEventTarget
  readonly #storage: Storage
  readonly #metaKey: string
  readonly #listeners = new Set<(event: { data: unknown }) => void>()

  /**
   * @param target - where `storage` events arrive (`window`)
   * @param storage - the storage the database lives in
   * @param metaKey - the key of the database's meta record
   */
  constructor(target: StorageEventTarget, storage: Storage, metaKey: string) {
    this.#target = target
    this.#storage = storage
    this.#metaKey = metaKey
    target.addEventListener('storage', this.#onStorage)
  }

  /** Sends nothing: the commit's own meta write is what other tabs hear. */
  postMessage(): void {}

  addEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.#listeners.add(listener)
  }

  removeEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.#listeners.delete(listener)
  }

  close(): void {
    this.#target.removeEventListener('storage', this.#onStorage)
    this.#listeners.clear()
  }

  readonly #onStorage = (event: StorageChange): void => {
    if (event.key !== this.#metaKey || event.newValue === null) return
    if (event.storageArea !== null && event.storageArea !== this.#storage) return
    let meta: Partial<LocalStorageMeta>
    try {
      meta = JSON.parse(event.newValue) as Partial<LocalStorageMeta>
    } catch {
      return
    }
    const data = { version: meta.version, tables: meta.tables }
    for (const listener of [...this.#listeners]) listener({ data })
  }
}
