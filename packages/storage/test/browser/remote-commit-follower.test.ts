import { IDBFactory } from 'fake-indexeddb'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { IndexedDbPageStore } from '../../src/adapters/indexeddb/indexed-db-page-store.js'
import { InPageLockManager } from '../../src/browser/in-page-lock-manager.js'
import { openBrowserProvider } from '../../src/browser/open-browser-provider.js'
import type { ChangeChannel } from '../../src/browser/tab-coordination.js'
import type { ChangeEvent, StorageProvider } from '../../src/index.js'
import { waitFor } from '../support/tab-checks.js'

interface ItemsDB {
  items: { id: number; name: string }
}

/** A channel whose messages the test delivers by hand, whenever it chooses. */
class HandDeliveredChannel implements ChangeChannel {
  readonly #listeners = new Set<(event: { data: unknown }) => void>()
  postMessage(): void {}
  addEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.#listeners.add(listener)
  }
  removeEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.#listeners.delete(listener)
  }
  close(): void {
    this.#listeners.clear()
  }
  deliver(data: unknown): void {
    for (const listener of this.#listeners) listener({ data })
  }
}

const open: StorageProvider<unknown>[] = []
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close()
})

async function openTab(
  site: { indexedDB: IDBFactory; name: string; locks: InPageLockManager },
  channel: ChangeChannel | undefined,
): Promise<StorageProvider<ItemsDB>> {
  const provider = await openBrowserProvider<ItemsDB>({
    adapter: 'indexeddb',
    name: site.name,
    store: new IndexedDbPageStore({ name: site.name, indexedDB: site.indexedDB, adapter: 'indexeddb' }),
    locks: site.locks,
    createChannel: () => channel,
  })
  open.push(provider as StorageProvider<unknown>)
  return provider
}

describe('a tab following the commits other tabs announce', () => {
  it('ignores a late announcement of a commit it opened with, and reports a new one once it can read it', async () => {
    const site = { indexedDB: new IDBFactory(), name: 'follower', locks: new InPageLockManager() }
    const writer = await openTab(site, undefined)
    await sql`create table items (id integer primary key, name text not null)`.execute(writer.db)
    await writer.db.insertInto('items').values({ id: 1, name: 'before the tab opened' }).execute()

    // Browsers deliver localStorage's storage events as later tasks, also to a frame opened after
    // the write: the tab below hears the commits above after it has opened with them.
    const channel = new HandDeliveredChannel()
    const reader = await openTab(site, channel)
    const heard: ChangeEvent[] = []
    reader.onChange((event) => heard.push(event))
    channel.deliver({ version: 1, tables: ['items'] })
    channel.deliver({ version: 2, tables: ['items'] })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(heard).toEqual([])

    await writer.db.insertInto('items').values({ id: 2, name: 'after' }).execute()
    channel.deliver({ version: 3, tables: ['items'] })
    await waitFor(() => heard.length > 0)
    expect(heard).toEqual([{ tables: ['items'], source: 'remote' }])
    expect(await reader.db.selectFrom('items').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }])
  })
})
