import type { KyselyOptions } from '../../src/index.js'
import { indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter, localStorageKeyPrefix } from '../../src/local-storage.js'
import { type AdapterHarness, defineHarness } from './adapter-harness.js'

const capabilities = { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 }
// The browser profile outlives a run: names unique to this run keep its databases apart.
const run = `${Date.now()}`
let databases = 0

/**
 * The browser adapters as the Chromium suites run them, on the page's real IndexedDB and
 * localStorage; the counterpart of adapter-harnesses.ts, which imports Node-only modules.
 */
export const chromiumAdapterHarnesses = {
  indexedDb: () =>
    defineHarness({
      name: 'indexeddb (Chromium)',
      adapter: 'indexeddb',
      capabilities,
      newDatabase() {
        const name = `test-${run}-${++databases}`
        // A second tab shares the page's IndexedDB, navigator.locks and BroadcastChannel.
        const adapter = (options: KyselyOptions) => indexedDbAdapter({ ...options, name })
        return { adapter, tabAdapter: adapter, remove: () => deleteIndexedDb(name) }
      },
    }),

  localStorage: () =>
    defineHarness({
      name: 'local-storage (Chromium)',
      adapter: 'local-storage',
      capabilities,
      newDatabase() {
        const name = `test-${run}-${++databases}`
        const frames: HTMLIFrameElement[] = []
        return {
          adapter: (options) => localStorageAdapter({ ...options, name }),
          // Browsers fire storage events in the other documents of the origin only, so a second
          // tab is a same-origin frame: its own localStorage object and its own window.
          tabAdapter(options) {
            const frame = document.body.appendChild(document.createElement('iframe'))
            frames.push(frame)
            const tab = frame.contentWindow as Window
            return localStorageAdapter({ ...options, name, storage: tab.localStorage, storageEvents: tab })
          },
          remove() {
            for (const frame of frames.splice(0)) frame.remove()
            removeLocalStorageDatabase(name)
          },
        }
      },
    }),
} as const satisfies Record<string, () => AdapterHarness>

/**
 * Removes every key of the local-storage database `name` from the page's localStorage.
 *
 * @param name - the database name
 */
export function removeLocalStorageDatabase(name: string): void {
  const prefix = localStorageKeyPrefix(name)
  const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i) as string)
  for (const key of keys) if (key.startsWith(prefix)) localStorage.removeItem(key)
}

function deleteIndexedDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deleting = indexedDB.deleteDatabase(name)
    deleting.onsuccess = () => resolve()
    deleting.onerror = () => reject(deleting.error)
  })
}
