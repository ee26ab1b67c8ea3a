import type { StorageEventTarget } from '../../src/local-storage.js'

/**
 * A `Storage` with a quota the test sets, counted like browsers count it: the UTF-16 length of
 * every key and value. A write that would pass the quota throws `QuotaExceededError` and changes
 * nothing. Several `QuotaStorage` views can share one area, as the tabs of one origin share
 * `localStorage`: a change made through one view fires a `storage` event in every other view's
 * window, as browsers do.
 */
export class QuotaStorage implements Storage {
  readonly #area: StorageArea
  /** Where this view's `storage` events are delivered: the simulated tab's window. */
  readonly window = new EventTarget() as EventTarget & StorageEventTarget

  /** @param area - the data shared by every view of the same origin; a new area by default */
  constructor(area: StorageArea = { entries: new Map(), views: new Set(), used: 0, quota: Number.POSITIVE_INFINITY }) {
    this.#area = area
    area.views.add(this)
  }

  /** Another tab's view of the same area. */
  openTab(): QuotaStorage {
    return new QuotaStorage(this.#area)
  }

  /** The area's data and quota, shared by every view. */
  get area(): StorageArea {
    return this.#area
  }

  get length(): number {
    return this.#area.entries.size
  }

  key(index: number): string | null {
    return [...this.#area.entries.keys()][index] ?? null
  }

  getItem(key: string): string | null {
    return this.#area.entries.get(String(key)) ?? null
  }

  setItem(key: string, value: string): void {
    const [k, v] = [String(key), String(value)]
    const old = this.#area.entries.get(k)
    const used = this.#area.used - (old === undefined ? 0 : k.length + old.length) + k.length + v.length
    if (used > this.#area.quota) {
      throw new DOMException(`Setting the value of '${k}' exceeded the quota.`, 'QuotaExceededError')
    }
    this.#area.entries.set(k, v)
    this.#area.used = used
    this.#notify(k, old ?? null, v)
  }

  removeItem(key: string): void {
    const k = String(key)
    const old = this.#area.entries.get(k)
    if (old === undefined) return
    this.#area.entries.delete(k)
    this.#area.used -= k.length + old.length
    this.#notify(k, old, null)
  }

  clear(): void {
    this.#area.entries.clear()
    this.#area.used = 0
    this.#notify(null, null, null)
  }

  #notify(key: string | null, oldValue: string | null, newValue: string | null): void {
    for (const view of this.#area.views) {
      if (view === this) continue
      const event = Object.assign(new Event('storage'), { key, oldValue, newValue, storageArea: view })
      // Browsers queue storage events as tasks; so does this.
      setTimeout(() => view.window.dispatchEvent(event), 0)
    }
  }

  [name: string]: unknown
}

/** The entries of one origin's storage, the quota they share, and every tab's view of them. */
export interface StorageArea {
  readonly entries: Map<string, string>
  readonly views: Set<QuotaStorage>
  /** Code units stored (keys and values). */
  used: number
  /** Code units the area may hold. */
  quota: number
}
