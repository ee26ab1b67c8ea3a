import type { IDBFactory } from 'fake-indexeddb'
import { IndexedDbPageStore } from '../../src/adapters/indexeddb/indexed-db-page-store.js'
import { openBrowserProvider } from '../../src/browser/open-browser-provider.js'
import type { PageStore } from '../../src/browser/page-store.js'
import type { WebLockManager } from '../../src/browser/tab-coordination.js'
import type { StorageProvider } from '../../src/index.js'

/** Where a simulated tab keeps its database: one IndexedDB factory and database name per "origin". */
export interface TabSite {
  indexedDB: IDBFactory
  name: string
  locks: WebLockManager
}

/**
 * Opens a provider on the site's real (fake-indexeddb) store, as one browser tab would. `wrapStore`
 * lets a test put a wrapper between engine and store to inject a fault.
 */
export function openTab<DB>(
  site: TabSite,
  options: { wrapStore?: (store: PageStore) => PageStore; announce?: boolean } = {},
): Promise<StorageProvider<DB>> {
  const store = new IndexedDbPageStore({ name: site.name, indexedDB: site.indexedDB, adapter: 'indexeddb' })
  return openBrowserProvider<DB>({
    adapter: 'indexeddb',
    name: site.name,
    store: options.wrapStore ? options.wrapStore(store) : store,
    locks: site.locks,
    ...(options.announce === false ? { createChannel: () => undefined } : {}),
  })
}

/**
 * A store that passes everything to `store` except what `commit` decides: a test double around the
 * real store, never a replacement for it.
 */
export function wrapCommit(store: PageStore, commit: PageStore['commit']): PageStore {
  return {
    open: () => store.open(),
    changesSince: (version) => store.changesSince(version),
    commit,
    close: () => store.close(),
    ...(store.seesEveryCommit === undefined ? {} : { seesEveryCommit: store.seesEveryCommit }),
  }
}
