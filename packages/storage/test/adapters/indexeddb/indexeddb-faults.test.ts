import { IDBFactory, IDBObjectStore } from 'fake-indexeddb'
import { type Kysely, sql } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PageCommit, PageStore } from '../../../src/browser/page-store.js'
import { deleteIndexedDbDatabase, indexedDbAdapter, InPageLockManager } from '../../../src/indexeddb.js'
import { createStorage, StorageError, type StorageProvider, StorageQuotaError } from '../../../src/index.js'
import { localStorageAdapter } from '../../../src/local-storage.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'
import { openTab, type TabSite, wrapCommit } from '../../support/browser-tabs.js'
import { QuotaStorage } from '../../support/quota-storage.js'
import { integrityCheck } from '../../support/tab-checks.js'

let sites = 0
const open: StorageProvider<ConformanceDB>[] = []

function newSite(): TabSite {
  return { indexedDB: new IDBFactory(), name: `faults-${++sites}`, locks: new InPageLockManager() }
}

async function tab(site: TabSite, wrapStore?: (store: PageStore) => PageStore) {
  const provider = await openTab<ConformanceDB>(site, { ...(wrapStore ? { wrapStore } : {}), announce: false })
  open.push(provider)
  return provider
}

/**
 * Forgets a tab that went away with a write still pending: nothing closes it, as nothing closes
 * the database of a page that was shut (`close()` would wait for that write for ever).
 */
function abandon(provider: StorageProvider<ConformanceDB>): void {
  open.splice(open.indexOf(provider), 1)
}

/** A tab whose commits reach the store unchanged and are also kept, for a test to inspect. */
async function recordingCommits(site: TabSite) {
  const commits: PageCommit[] = []
  const storage = await tab(site, (store) =>
    wrapCommit(store, (commit) => {
      commits.push(commit)
      return store.commit(commit)
    }),
  )
  return { storage, commits }
}

/** The same database after the page was closed: a fresh engine, and the old page's locks gone. */
function afterCrash(site: TabSite): Promise<StorageProvider<ConformanceDB>> {
  return tab({ ...site, locks: new InPageLockManager() })
}

const skus = (db: Kysely<ConformanceDB>) =>
  db
    .selectFrom('items')
    .select('sku')
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((row) => row.sku))

/** Runs a raw IndexedDB request against the site's database, outside the engine. */
async function onStoredPages(
  site: TabSite,
  change: (pages: globalThis.IDBObjectStore, meta: globalThis.IDBObjectStore) => void,
) {
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const opening = site.indexedDB.open(site.name)
    opening.onsuccess = () => resolve(opening.result)
    opening.onerror = () => reject(opening.error)
  })
  const transaction = database.transaction(['pages', 'meta'], 'readwrite')
  change(transaction.objectStore('pages'), transaction.objectStore('meta'))
  await new Promise((resolve) => {
    transaction.oncomplete = resolve
  })
  database.close()
}

afterEach(async () => {
  vi.restoreAllMocks()
  for (const provider of open.splice(0)) await provider.close()
})

describe('indexeddb: a failed commit', () => {
  it('maps a quota error to StorageQuotaError and returns memory to the last stored state', async () => {
    const site = newSite()
    let full = false
    const storage = await tab(site, (store) =>
      wrapCommit(store, (commit) =>
        full ? Promise.reject(new DOMException('the quota is used up', 'QuotaExceededError')) : store.commit(commit),
      ),
    )
    await storage.migrate(conformanceMigrations)
    await storage.db.insertInto('items').values({ sku: 'kept', name: 'kept' }).execute()

    full = true
    const failure = await storage.db
      .insertInto('items')
      .values({ sku: 'lost', name: 'lost' })
      .execute()
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageQuotaError)
    expect((failure as StorageQuotaError).code).toBe('QUOTA_EXCEEDED')
    const transactionFailure = await storage
      .transaction(async (trx) => {
        await trx.insertInto('items').values({ sku: 'lost-too', name: 'lost' }).execute()
        await trx.updateTable('items').set({ quantity: 99 }).execute()
      })
      .catch((error: unknown) => error)
    expect(transactionFailure).toBeInstanceOf(StorageQuotaError)
    expect(await skus(storage.db)).toEqual(['kept'])
    expect(await storage.db.selectFrom('items').select('quantity').execute()).toEqual([{ quantity: 0 }])

    full = false
    await storage.db.insertInto('items').values({ sku: 'after', name: 'after' }).execute()
    expect(await skus(storage.db)).toEqual(['kept', 'after'])
    const reopened = await afterCrash(site)
    expect(await skus(reopened.db)).toEqual(['kept', 'after'])
    expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
  })

  it('rejects the write when IndexedDB aborts the transaction midway, and stores none of it', async () => {
    const site = newSite()
    const storage = await tab(site)
    await storage.migrate(conformanceMigrations)
    await storage.db.insertInto('items').values({ sku: 'kept', name: 'kept' }).execute()

    const put = IDBObjectStore.prototype.put
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      const request = put.apply(this, args)
      // After the first page is queued: the transaction dies with part of the commit written.
      if (this.name === 'pages') this.transaction.abort()
      return request
    })
    const failure = await storage.db
      .insertInto('items')
      .values({ sku: 'lost', name: 'x'.repeat(20_000) })
      .execute()
      .catch((error: unknown) => error)
    vi.restoreAllMocks()

    expect(failure).toBeInstanceOf(StorageError)
    expect((failure as StorageError).message).toMatch(/IndexedDB transaction failed \(AbortError\)/)
    expect(await skus(storage.db)).toEqual(['kept'])
    await storage.db.insertInto('items').values({ sku: 'after', name: 'after' }).execute()
    const reopened = await afterCrash(site)
    expect(await skus(reopened.db)).toEqual(['kept', 'after'])
    expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
  })
})

describe('indexeddb: a commit aborted at each of its IndexedDB requests', () => {
  const write = (storage: StorageProvider<ConformanceDB>) =>
    storage.db
      .insertInto('items')
      .values({ sku: 'lost', name: 'x'.repeat(20_000) })
      .execute()

  /** Calls `onRequest` with the running count of every write request the engine makes on the object stores. */
  function onEachWriteRequest(onRequest: (store: IDBObjectStore, count: number) => void) {
    let count = 0
    for (const method of ['put', 'delete'] as const) {
      const original = IDBObjectStore.prototype[method] as (...args: unknown[]) => IDBRequest
      vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (
        this: IDBObjectStore,
        ...args: unknown[]
      ) {
        const request = original.apply(this, args)
        onRequest(this, ++count)
        return request
      } as never)
    }
  }

  async function siteWithOneRow() {
    const site = newSite()
    const storage = await tab(site)
    await storage.migrate(conformanceMigrations)
    await storage.db.insertInto('items').values({ sku: 'kept', name: 'kept' }).execute()
    return { site, storage }
  }

  it('stores none of it and keeps the database whole, whichever request the abort follows', async () => {
    const probe = await siteWithOneRow()
    let requests = 0
    onEachWriteRequest((_store, count) => {
      requests = count
    })
    await write(probe.storage)
    vi.restoreAllMocks()
    // The page records the row spans and the meta record: several requests, each a stage to fail at.
    expect(requests).toBeGreaterThanOrEqual(3)

    for (let stage = 1; stage <= requests; stage++) {
      const { site, storage } = await siteWithOneRow()
      onEachWriteRequest((store, count) => {
        if (count === stage) store.transaction.abort()
      })
      const failure = await write(storage).catch((error: unknown) => error)
      vi.restoreAllMocks()

      expect(failure, `abort after request ${stage} of ${requests}`).toBeInstanceOf(StorageError)
      expect(await skus(storage.db)).toEqual(['kept'])
      await storage.db.insertInto('items').values({ sku: 'after', name: 'after' }).execute()
      const reopened = await afterCrash(site)
      expect(await skus(reopened.db)).toEqual(['kept', 'after'])
      expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
    }
  })
})

describe('indexeddb: a page record IndexedDB refuses', () => {
  it('aborts the whole commit and reports the refusal', async () => {
    const site = newSite()
    const storage = await tab(site)
    await storage.migrate(conformanceMigrations)
    await storage.db.insertInto('items').values({ sku: 'kept', name: 'kept' }).execute()
    const put = IDBObjectStore.prototype.put
    let calls = 0
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'pages' && ++calls === 2) throw new DOMException('the value cannot be stored', 'DataCloneError')
      return put.apply(this, args)
    })
    const failure = await storage.db
      .insertInto('items')
      .values({ sku: 'lost', name: 'y'.repeat(20_000) })
      .execute()
      .catch((error: unknown) => error)
    vi.restoreAllMocks()
    expect((failure as StorageError).message).toMatch(/IndexedDB transaction failed \(DataCloneError\)/)
    expect(await skus(storage.db)).toEqual(['kept'])
    const reopened = await afterCrash(site)
    expect(await skus(reopened.db)).toEqual(['kept'])
  })
})

describe('indexeddb: a page closed in the middle of writing', () => {
  // Commit 1 creates the table; commit n + 1 inserts row n.
  for (const crashAt of [2, 7, 23]) {
    it(`keeps exactly the acknowledged writes when commit ${crashAt} never completes`, async () => {
      const site = newSite()
      let commits = 0
      let crashed: () => void = () => undefined
      const crash = new Promise<void>((resolve) => {
        crashed = resolve
      })
      const storage = await tab(site, (store) =>
        wrapCommit(store, (commit) => {
          if (++commits !== crashAt) return store.commit(commit)
          crashed()
          return new Promise<number>(() => {})
        }),
      )
      await storage.db.schema
        .createTable('log')
        .addColumn('n', 'integer', (c) => c.primaryKey())
        .execute()
      const acknowledged: number[] = []
      const writes = (async () => {
        for (let n = 1; n < 40; n++) {
          await sql`insert into log (n) values (${n})`.execute(storage.db)
          acknowledged.push(n)
        }
      })()
      await crash
      expect(acknowledged.length).toBe(crashAt - 2)
      void writes
      abandon(storage)

      const reopened = await afterCrash(site)
      const rows = await sql<{ n: number }>`select n from log order by n`.execute(reopened.db)
      expect(rows.rows.map((row) => row.n)).toEqual(acknowledged)
      expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
      await sql`insert into log (n) values (100)`.execute(reopened.db)
    })
  }
})

describe('indexeddb: damaged storage', () => {
  async function storedDatabase() {
    const site = newSite()
    const storage = await tab(site)
    await storage.migrate(conformanceMigrations)
    await storage.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
    await storage.close()
    return site
  }

  const openFails = async (site: TabSite) => {
    const error = await indexedDbAdapter({ name: site.name, indexedDB: site.indexedDB, locks: site.locks })
      .open<ConformanceDB>()
      .catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).code).toBe('CORRUPT_STORAGE')
    return (error as StorageError).message
  }

  it('refuses to open with a page record missing', async () => {
    const site = await storedDatabase()
    await onStoredPages(site, (pages) => pages.delete(3))
    expect(await openFails(site)).toMatch(/page 3 of \d+ is missing/)
  })

  it('refuses to open with a page record of the wrong size', async () => {
    const site = await storedDatabase()
    await onStoredPages(site, (pages) => pages.put({ page: 2, version: 1, data: new Uint8Array(100) }))
    expect(await openFails(site)).toMatch(/page 2 has 100 bytes instead of 4096/)
  })

  it('refuses to open when page 1 is not a SQLite header', async () => {
    const site = await storedDatabase()
    await onStoredPages(site, (pages) => pages.put({ page: 1, version: 1, data: new Uint8Array(4096).fill(7) }))
    expect(await openFails(site)).toMatch(/page 1 does not start with the SQLite header/)
  })

  it('refuses to open with a page newer than the database version, or pages without a meta record', async () => {
    const site = await storedDatabase()
    await onStoredPages(site, (pages) => {
      const request = pages.get(2)
      request.onsuccess = () => pages.put({ ...request.result, version: 1_000 })
    })
    expect(await openFails(site)).toMatch(/page 2 has version 1000, newer than/)
    await onStoredPages(site, (_pages, meta) => meta.delete('database'))
    expect(await openFails(site)).toMatch(/page records exist without a meta record/)
  })

  it('answers queries on garbled pages with CORRUPT_STORAGE, not with garbage', async () => {
    const site = await storedDatabase()
    await onStoredPages(site, (pages, meta) => {
      const request = meta.get('database')
      request.onsuccess = () => {
        const noise = new Uint8Array(4096).map((_, i) => (i * 73 + 41) % 256)
        for (let page = 2; page <= request.result.pageCount; page++) pages.put({ page, version: 1, data: noise })
      }
    })
    const storage = await tab(site)
    const error = await storage.db
      .selectFrom('items')
      .selectAll()
      .execute()
      .catch((failure: unknown) => failure)
    expect((error as StorageError).code).toBe('CORRUPT_STORAGE')
  })

  const overwriteFirstPage = (site: TabSite) =>
    onStoredPages(site, (pages) => pages.put({ page: 1, version: 1, data: new Uint8Array(4096).fill(7) }))

  it('is thrown by createStorage naming indexeddb, never replaced by the next candidate', async () => {
    const site = await storedDatabase()
    await overwriteFirstPage(site)
    const localStorage = new QuotaStorage()
    const touched: string[] = []
    const [setItem, getItem] = [localStorage.setItem.bind(localStorage), localStorage.getItem.bind(localStorage)]
    localStorage.setItem = (key, value) => {
      touched.push(key)
      setItem(key, value)
    }
    localStorage.getItem = (key) => {
      touched.push(key)
      return getItem(key)
    }
    const error = await createStorage({
      adapters: [
        indexedDbAdapter({ name: site.name, indexedDB: site.indexedDB, locks: site.locks }),
        localStorageAdapter({ name: site.name, storage: localStorage }),
      ],
    }).catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'indexeddb' })
    expect((error as StorageError).message).toMatch(
      /^\[@inventory\/storage\] \[indexeddb\] the stored database is damaged: page 1 does not start/,
    )
    expect(touched).toEqual([])
  })

  it('is deleted by deleteIndexedDbDatabase, after which the name opens empty and other databases are kept', async () => {
    const site = await storedDatabase()
    const other = await tab({ ...site, name: `${site.name}-other` })
    await other.migrate(conformanceMigrations)
    await other.db.insertInto('items').values({ sku: 'KEPT', name: 'kept' }).execute()
    await overwriteFirstPage(site)
    await deleteIndexedDbDatabase({ name: site.name, indexedDB: site.indexedDB })
    const fresh = await tab(site)
    expect(await fresh.db.introspection.getTables()).toEqual([])
    expect(await skus(other.db)).toEqual(['KEPT'])
  })

  it('is not deleted behind the back of a connection that holds it open, and says so', async () => {
    const site = await storedDatabase()
    const holder = await new Promise<IDBDatabase>((resolve) => {
      const opening = site.indexedDB.open(site.name)
      opening.onsuccess = () => resolve(opening.result)
    })
    const error = await deleteIndexedDbDatabase({ name: site.name, indexedDB: site.indexedDB }).catch(
      (failure: unknown) => failure,
    )
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', adapter: 'indexeddb' })
    expect((error as StorageError).message).toMatch(/held open elsewhere; it is deleted once every tab using it/)
    holder.close()
  })
})

describe('indexeddb: cost of a commit', () => {
  it('stores only the pages a commit changed, however large the database', async () => {
    const { storage, commits } = await recordingCommits(newSite())
    await storage.migrate(conformanceMigrations)
    const rows = Array.from({ length: 4000 }, (_, i) => ({ sku: `S-${i}`, name: `item ${i} ${'x'.repeat(200)}` }))
    await storage.batch([storage.db.insertInto('items').values(rows)])
    const bulk = commits.at(-1) as PageCommit
    expect(bulk.pageCount).toBeGreaterThan(200)

    await storage.db.insertInto('items').values({ sku: 'one-more', name: 'one more' }).execute()
    await storage.db.updateTable('items').set({ quantity: 5 }).where('sku', '=', 'S-2000').execute()
    const [insert, update] = commits.slice(-2) as [PageCommit, PageCommit]
    expect(insert.pages.size).toBeLessThanOrEqual(4)
    expect(update.pages.size).toBeLessThanOrEqual(3)
    expect(update.pages.has(1)).toBe(true)
    expect(update.tables).toEqual(['items'])
    expect(insert.baseVersion + 1).toBe(update.baseVersion)
  })

  it('stores nothing for a write that changed nothing', async () => {
    const { storage, commits } = await recordingCommits(newSite())
    await storage.migrate(conformanceMigrations)
    const before = commits.length
    await storage.db.updateTable('items').set({ quantity: 1 }).where('sku', '=', 'absent').execute()
    await storage.db
      .insertInto('items')
      .values({ sku: 'tools', name: 'x', category_id: 999 })
      .execute()
      .catch(() => undefined)
    expect(commits.length).toBe(before)
  })
})

describe('indexeddb: a single write that fails and cannot catch up', () => {
  it('gives the writers’ lock back and stores nothing, so the next write runs', async () => {
    const site = newSite()
    const first = await tab(site)
    await sql`create table marks (id integer primary key)`.execute(first.db)
    await sql`insert into marks (id) values (1)`.execute(first.db)
    let refuseCatchUp = false
    const second = await tab(site, (store) => ({
      ...wrapCommit(store, (commit) => store.commit(commit)),
      changesSince: (version) =>
        refuseCatchUp ? Promise.reject(new Error('IndexedDB went away')) : store.changesSince(version),
    }))
    const marks = (second.db as unknown as Kysely<{ marks: { id: number } }>).insertInto('marks')
    refuseCatchUp = true
    // A duplicate key: the write fails, then looks for a newer state in which it might not.
    await expect(marks.values({ id: 1 }).execute()).rejects.toThrow('IndexedDB went away')
    refuseCatchUp = false
    await marks.values({ id: 2 }).execute()
    const rows = await sql<{ id: number }>`select id from marks order by id`.execute((await afterCrash(site)).db)
    expect(rows.rows).toEqual([{ id: 1 }, { id: 2 }])
  })
})
