import { type Storage as HappyDomStorage, Window } from 'happy-dom'
import type { StorageEventTarget } from '../../src/local-storage.js'

/** One tab of a {@link SharedStorage}: its view of the origin's storage, and its window. */
export interface StorageTab {
  /** What the tab's code sees as `localStorage`. */
  readonly storage: Storage
  /** Where `storage` events of other tabs' changes arrive. */
  readonly window: StorageEventTarget
}

/**
 * One origin's `localStorage` as its tabs see it, in Node. The data lives in one happy-dom
 * `Storage`; each tab is a happy-dom window that reads and writes through its own view, and a
 * change made through one view fires a `storage` event at every other tab's window a task later,
 * as browsers do (happy-dom's `Storage` on its own fires none).
 */
export class SharedStorage {
  readonly #origin = new Window()
  readonly #tabs: { view: Storage; window: Window }[] = []

  /** A new tab of the origin. */
  openTab(): StorageTab {
    const storage = this.#origin.localStorage as unknown as Storage
    const window = new Window()
    const notify = (key: string | null, oldValue: string | null, newValue: string | null) =>
      this.#notify(view, key, oldValue, newValue)
    const view: Storage = {
      get length() {
        return storage.length
      },
      key: (index) => storage.key(index),
      getItem: (key) => storage.getItem(key),
      setItem(key, value) {
        const oldValue = storage.getItem(key)
        storage.setItem(key, value)
        notify(key, oldValue, String(value))
      },
      removeItem(key) {
        const oldValue = storage.getItem(key)
        if (oldValue === null) return
        storage.removeItem(key)
        notify(key, oldValue, null)
      },
      clear() {
        storage.clear()
        notify(null, null, null)
      },
    }
    this.#tabs.push({ view, window })
    return { storage: view, window: window as unknown as StorageEventTarget }
  }

  /** Closes the origin and every tab's window. */
  async close(): Promise<void> {
    const windows = [this.#origin, ...this.#tabs.splice(0).map((tab) => tab.window)]
    await Promise.all(windows.map((window) => window.happyDOM.close()))
  }

  #notify(source: Storage, key: string | null, oldValue: string | null, newValue: string | null): void {
    for (const { view, window } of this.#tabs) {
      if (view === source) continue
      // happy-dom's init type leaves null out, and turns a missing field into null as browsers do.
      const event = new window.StorageEvent('storage', {
        key: key ?? undefined,
        oldValue: oldValue ?? undefined,
        newValue: newValue ?? undefined,
        storageArea: view as unknown as HappyDomStorage,
        url: window.location.href,
      })
      // Browsers queue storage events as tasks of the receiving tab; so does this.
      window.setTimeout(() => window.dispatchEvent(event), 0)
    }
  }
}
