import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDBFactory } from 'fake-indexeddb'
import { d1Adapter } from '../../src/d1.js'
import type { KyselyOptions } from '../../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter, localStorageKeyPrefix } from '../../src/local-storage.js'
import { sqliteAdapter } from '../../src/sqlite.js'
import { type AdapterHarness, defineHarness, isSelected } from './adapter-harness.js'
import { MiniflareD1Pool } from './miniflare-d1-pool.js'
import { SharedStorage } from './shared-storage.js'
import { tempDir } from './temp-dir.js'

const sqliteCapabilities = { interactiveTransactions: true, crossTabSync: false, maxBoundParameters: 32766 }
const browserCapabilities = {
  interactiveTransactions: true,
  persistent: true,
  crossTabSync: true,
  maxBoundParameters: 32766,
}
// Node's BroadcastChannel reaches every thread of the process: names unique to this module keep
// other test files' tabs out of these databases.
const run = crypto.randomUUID().slice(0, 8)
let databases = 0

/**
 * Every adapter as the Node tests run it, one factory per harness; each call gives a harness with
 * databases (and, for d1, Miniflare instances) of its own. The Chromium suites have their own
 * registry, chromium-adapter-harnesses.ts: this one imports Node-only modules.
 */
export const adapterHarnesses = {
  sqliteMemory: () =>
    defineHarness({
      name: 'sqlite (memory)',
      adapter: 'sqlite',
      capabilities: { ...sqliteCapabilities, persistent: false },
      newDatabase: () => ({ adapter: (options) => sqliteAdapter(options) }),
    }),

  sqliteFile: () =>
    defineHarness({
      name: 'sqlite (file)',
      adapter: 'sqlite',
      capabilities: { ...sqliteCapabilities, persistent: true },
      damageable: true,
      newDatabase() {
        const dir = tempDir('sqlite')
        const filename = join(dir.path, 'test.sqlite')
        return {
          adapter: (options) => sqliteAdapter({ ...options, filename }),
          remove: dir.remove,
          damage: () => overwriteStart(filename),
        }
      },
    }),

  d1: () => {
    const pool = new MiniflareD1Pool()
    return defineHarness({
      name: 'd1 (Miniflare)',
      adapter: 'd1',
      capabilities: { interactiveTransactions: false, persistent: true, crossTabSync: false, maxBoundParameters: 100 },
      async newDatabase() {
        const { reconnect } = await pool.fresh()
        // Each open takes a new binding to the database, so a reopen reads what D1 stored.
        return { adapter: async (options) => d1Adapter({ ...options, database: await reconnect() }) }
      },
      // What a Node script exporting D1 (through wrangler's platform proxy) has at hand.
      scratchAdapter: () => sqliteAdapter(),
      dispose: () => pool.dispose(),
    })
  },

  indexedDb: () =>
    defineHarness({
      name: 'indexeddb (fake-indexeddb)',
      adapter: 'indexeddb',
      capabilities: browserCapabilities,
      damageable: true,
      newDatabase() {
        // One origin: its IndexedDB and its locks. Tabs announce commits on Node's BroadcastChannel.
        const origin = {
          name: `test-${run}-${++databases}`,
          indexedDB: new IDBFactory(),
          locks: new InPageLockManager(),
        }
        const tab = (options: KyselyOptions) => indexedDbAdapter({ ...options, ...origin })
        return { adapter: tab, tabAdapter: tab, damage: () => overwriteFirstPage(origin.indexedDB, origin.name) }
      },
    }),

  localStorage: () =>
    defineHarness({
      name: 'local-storage (happy-dom Storage)',
      adapter: 'local-storage',
      capabilities: browserCapabilities,
      damageable: true,
      newDatabase() {
        const origin = new SharedStorage()
        const name = `test-${run}-${++databases}`
        const locks = new InPageLockManager()
        // Every provider is a tab of its own, a reopened one too: a reload is a new window.
        const tab = (options: KyselyOptions) => {
          const { storage, window } = origin.openTab()
          return localStorageAdapter({ ...options, name, storage, storageEvents: window, locks })
        }
        const damage = () => {
          const { storage } = origin.openTab()
          for (const slot of ['1.0', '1.1']) {
            const key = `${localStorageKeyPrefix(name)}${slot}`
            if (storage.getItem(key) !== null) storage.setItem(key, 'not a page')
          }
        }
        return { adapter: tab, tabAdapter: tab, remove: () => origin.close(), damage }
      },
    }),
} as const satisfies Record<string, () => AdapterHarness>

/** Overwrites the first 4 KiB of a closed SQLite file (header and schema) with text. */
function overwriteStart(filename: string): void {
  const bytes = readFileSync(filename)
  bytes.fill(0x2a, 0, Math.min(bytes.length, 4096))
  writeFileSync(filename, bytes)
}

/** Overwrites page 1 of an indexeddb store (header and schema) with a byte pattern. */
function overwriteFirstPage(indexedDB: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(name)
    opening.onerror = () => reject(opening.error)
    opening.onsuccess = () => {
      const database = opening.result
      const transaction = database.transaction('pages', 'readwrite')
      const pages = transaction.objectStore('pages')
      const request = pages.get(1)
      request.onsuccess = () =>
        pages.put({ ...request.result, data: new Uint8Array(request.result.data.length).fill(7) })
      transaction.oncomplete = () => {
        database.close()
        resolve()
      }
      transaction.onerror = () => reject(transaction.error)
    }
  })
}

/** A new harness of every adapter `ADAPTERS` selects (all when unset), in the registry's order. */
export function selectedHarnesses(): AdapterHarness[] {
  return Object.values(adapterHarnesses)
    .map((harness) => harness())
    .filter(isSelected)
}
