import { describe, expect, it } from 'vitest'

/** The runtime names each entry point exports: a name added or removed here is a public API change. */
const entryPoints = {
  '.': () => import('../../src/index.js'),
  './sqlite': () => import('../../src/sqlite.js'),
  './d1': () => import('../../src/d1.js'),
  './durable-object': () => import('../../src/durable-object.js'),
  './indexeddb': () => import('../../src/indexeddb.js'),
  './local-storage': () => import('../../src/local-storage.js'),
  './sync': () => import('../../src/sync.js'),
  './auto [browser]': () => import('../../src/auto/browser.js'),
  './auto [node]': () => import('../../src/auto/node.js'),
  './auto [workerd]': () => import('../../src/auto/worker.js'),
}

describe('public API', () => {
  it.each(Object.entries(entryPoints))('%s exports exactly the documented names', async (entry, load) => {
    expect(Object.keys(await load()).sort()).toEqual(expected[entry as keyof typeof expected])
  })
})

const expected = {
  '.': [
    'CheckConstraintError',
    'ConstraintError',
    'ForeignKeyConstraintError',
    'LimitExceededError',
    'MigrationError',
    'NotNullConstraintError',
    'StorageError',
    'StorageQuotaError',
    'StorageUnavailableError',
    'UniqueConstraintError',
    'UnsupportedOperationError',
    'copyData',
    'createProvider',
    'createStorage',
    'exportDatabase',
    'exportMigrationsSql',
    'importDatabase',
    'liveQuery',
  ],
  './sqlite': ['sqliteAdapter'],
  './d1': ['d1Adapter', 'd1Bookmark'],
  './durable-object': ['durableObjectAdapter'],
  './indexeddb': ['InPageLockManager', 'deleteIndexedDbDatabase', 'indexedDbAdapter'],
  './local-storage': [
    'InPageLockManager',
    'deleteLocalStorageDatabase',
    'localStorageAdapter',
    'localStorageKeyPrefix',
  ],
  './sync': ['createSyncClient', 'createSyncServer', 'defineMutators'],
  './auto [browser]': ['autoAdapters'],
  './auto [node]': ['autoAdapters'],
  './auto [workerd]': ['autoAdapters'],
}
