import { join } from 'node:path'
import { IDBFactory } from 'fake-indexeddb'
import { d1Adapter } from '../../src/d1.js'
import type { KyselyOptions } from '../../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter } from '../../src/local-storage.js'
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
      newDatabase() {
        const dir = tempDir('sqlite')
        const filename = join(dir.path, 'test.sqlite')
        return { adapter: (options) => sqliteAdapter({ ...options, filename }), remove: dir.remove }
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
      dispose: () => pool.dispose(),
    })
  },

  indexedDb: () =>
    defineHarness({
      name: 'indexeddb (fake-indexeddb)',
      adapter: 'indexeddb',
      capabilities: browserCapabilities,
      newDatabase() {
        // One origin: its IndexedDB and its locks. Tabs announce commits on Node's BroadcastChannel.
        const origin = {
          name: `test-${run}-${++databases}`,
          indexedDB: new IDBFactory(),
          locks: new InPageLockManager(),
        }
        const tab = (options: KyselyOptions) => indexedDbAdapter({ ...options, ...origin })
        return { adapter: tab, tabAdapter: tab }
      },
    }),

  localStorage: () =>
    defineHarness({
      name: 'local-storage (happy-dom Storage)',
      adapter: 'local-storage',
      capabilities: browserCapabilities,
      newDatabase() {
        const origin = new SharedStorage()
        const name = `test-${run}-${++databases}`
        const locks = new InPageLockManager()
        // Every provider is a tab of its own, a reopened one too: a reload is a new window.
        const tab = (options: KyselyOptions) => {
          const { storage, window } = origin.openTab()
          return localStorageAdapter({ ...options, name, storage, storageEvents: window, locks })
        }
        return { adapter: tab, tabAdapter: tab, remove: () => origin.close() }
      },
    }),
} as const satisfies Record<string, () => AdapterHarness>

/** A new harness of every adapter `ADAPTERS` selects (all when unset), in the registry's order. */
export function selectedHarnesses(): AdapterHarness[] {
  return Object.values(adapterHarnesses)
    .map((harness) => harness())
    .filter(isSelected)
}
