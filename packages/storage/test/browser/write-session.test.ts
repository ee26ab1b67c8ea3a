import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { IndexedDbPageStore } from '../../src/adapters/indexeddb/indexed-db-page-store.js'
import { InPageLockManager } from '../../src/browser/in-page-lock-manager.js'
import type { PageStore } from '../../src/browser/page-store.js'
import { PageSync } from '../../src/browser/page-sync.js'
import type { ChangeChannel } from '../../src/browser/tab-coordination.js'
import { WriteSession } from '../../src/browser/write-session.js'

const PAGE_SIZE = 512
let stores = 0

/** A page 1 as SQLite would start it, so the stored database reopens. */
function firstPage(fill: number): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE).fill(fill)
  page.set(new TextEncoder().encode('SQLite format 3\0'))
  return page
}

/** Records what is posted; nothing is ever received. */
class RecordingChannel implements ChangeChannel {
  readonly posted: unknown[] = []
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  close(): void {}
}

async function openSession(wrap: (store: PageStore) => PageStore = (store) => store) {
  const store = new IndexedDbPageStore({
    name: `session-${++stores}`,
    indexedDB: new IDBFactory(),
    adapter: 'indexeddb',
  })
  const pages = await PageSync.open(wrap(store), { adapter: 'indexeddb', newPageSize: PAGE_SIZE })
  const locks = new InPageLockManager()
  const channel = new RecordingChannel()
  const session = new WriteSession({ pages, locks, lockName: 'db', channel })
  /** Whether another writer could take the lock right now. */
  const lockIsFree = async () => {
    let granted = false
    const request = locks.request('db', { mode: 'exclusive' }, async () => {
      granted = true
    })
    await new Promise((resolve) => setTimeout(resolve, 10))
    const free = granted
    await request
    return free
  }
  return { store, pages, locks, session, channel, lockIsFree }
}

describe('WriteSession', () => {
  it('holds the lock from begin to finish, then stores the pages written and announces the tables', async () => {
    const { store, pages, locks, session, channel, lockIsFree } = await openSession()
    session.noteWritten(['before'])
    expect(session.writing).toBe(false)
    await session.begin()
    expect(session.writing).toBe(true)
    pages.file.write(firstPage(1), 0)
    session.noteWritten(['items'])
    session.noteWritten(['items', 'movements'])
    // Another writer gets the lock only once the write is stored.
    const competitor = locks.request('db', { mode: 'exclusive' }, async () => ({
      writing: session.writing,
      storedVersion: (await store.changesSince(0)).version,
    }))
    await new Promise((resolve) => setTimeout(resolve, 10))
    await session.finish()
    expect(await competitor).toEqual({ writing: false, storedVersion: 1 })
    expect(session.writing).toBe(false)
    expect(await lockIsFree()).toBe(true)
    expect(channel.posted).toEqual([{ version: 1, tables: ['items', 'movements'] }])
    expect(session.version).toBe(1)
    const stored = await store.changesSince(0)
    expect(stored.version).toBe(1)
    expect([...(stored.pages.get(1) ?? [])]).toEqual([...firstPage(1)])
  })

  it('announces nothing for a write that changed nothing', async () => {
    const { session, channel, lockIsFree } = await openSession()
    await session.begin()
    await session.finish()
    expect(channel.posted).toEqual([])
    expect(await lockIsFree()).toBe(true)
  })

  it('ends the write and frees the lock when storing fails, with the file back at the stored state', async () => {
    let failing = false
    const { pages, session, channel, lockIsFree } = await openSession((store) => ({
      open: () => store.open(),
      changesSince: (version) => store.changesSince(version),
      commit: (commit) => (failing ? Promise.reject(new Error('refused')) : store.commit(commit)),
      close: () => store.close(),
    }))
    await session.begin()
    pages.file.write(firstPage(1), 0)
    await session.finish()
    failing = true
    await session.begin()
    pages.file.write(firstPage(2), 0)
    await expect(session.finish()).rejects.toThrow('refused')
    expect(session.writing).toBe(false)
    expect(await lockIsFree()).toBe(true)
    expect(channel.posted).toHaveLength(1)
    expect(session.version).toBe(1)
    const page = new Uint8Array(PAGE_SIZE)
    pages.file.read(page, 0)
    expect([...page]).toEqual([...firstPage(1)])
  })

  it('stays idle and frees the lock when catching up fails at begin', async () => {
    const { store, session, lockIsFree } = await openSession()
    await store.close()
    await expect(session.begin()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' })
    expect(session.writing).toBe(false)
    expect(await lockIsFree()).toBe(true)
  })
})
