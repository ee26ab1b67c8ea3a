import { type Kysely, sql } from 'kysely'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ChangeEvent,
  createStorage,
  StorageError,
  StorageQuotaError,
  type StorageProvider,
  StorageUnavailableError,
} from '../../../src/index.js'
import { indexedDbAdapter } from '../../../src/indexeddb.js'
import {
  deleteLocalStorageDatabase,
  InPageLockManager,
  localStorageAdapter,
  localStorageKeyPrefix,
  type WebLockManager,
} from '../../../src/local-storage.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'
import { QueryableLockManager } from '../../support/queryable-lock-manager.js'
import { encodePage } from '../../../src/adapters/local-storage/page-codec.js'
import { QuotaStorage } from '../../support/quota-storage.js'
import { type CounterDB, integrityCheck, waitFor } from '../../support/tab-checks.js'

const open: StorageProvider<unknown>[] = []
let databases = 0

/** One simulated tab: its own view of the origin's storage, its own window for storage events. */
async function tab<DB = ConformanceDB>(
  storage: QuotaStorage,
  name: string,
  locks: WebLockManager = new InPageLockManager(),
) {
  const provider = await createStorage<DB>({
    adapters: localStorageAdapter({ name, storage, storageEvents: storage.window, locks }),
  })
  open.push(provider as StorageProvider<unknown>)
  return provider
}

const skus = (db: Kysely<ConformanceDB>) =>
  db
    .selectFrom('items')
    .select('sku')
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((row) => row.sku))

afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close()
})

describe('local-storage: availability', () => {
  it('writes and removes a probe key, leaving the storage as it was', async () => {
    const storage = new QuotaStorage()
    const writes: string[] = []
    const setItem = storage.setItem.bind(storage)
    storage.setItem = (key, value) => {
      writes.push(key)
      setItem(key, value)
    }
    expect(await localStorageAdapter({ name: 'probe', storage }).isAvailable()).toBe(true)
    expect(writes).toEqual([`${localStorageKeyPrefix('probe')}probe`])
    expect(storage.length).toBe(0)
  })

  it('is unavailable where writes are refused, and createStorage says why', async () => {
    const storage = new QuotaStorage()
    storage.area.quota = 0
    const error = await createStorage({ adapters: localStorageAdapter({ name: 'full', storage }) }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StorageUnavailableError)
    expect((error as StorageUnavailableError).skipped).toEqual([
      { adapter: 'local-storage', reason: 'localStorage refused a probe write: QuotaExceededError' },
    ])
  })

  it('is unavailable where there is no localStorage (Node)', async () => {
    const adapter = localStorageAdapter({ name: 'none' })
    expect(await adapter.isAvailable()).toBe(false)
    expect(adapter.unavailableReason?.()).toBe('localStorage is missing or blocked here')
    await expect(deleteLocalStorageDatabase({ name: 'none' })).rejects.toBeInstanceOf(StorageUnavailableError)
  })
})

describe('local-storage: namespacing', () => {
  it("keeps databases of different names and other libraries' keys apart", async () => {
    const storage = new QuotaStorage()
    storage.setItem('theme', 'dark')
    storage.setItem('@inventory/storage:local-storage:other', 'not ours')
    const names = ['inventory', 'inventory:2', 'inventory 2']
    for (const [index, name] of names.entries()) {
      const provider = await tab(storage, name)
      await provider.migrate(conformanceMigrations)
      await provider.db
        .insertInto('items')
        .values({ sku: `S-${index}`, name })
        .execute()
      await provider.close()
    }
    for (const [index, name] of names.entries()) {
      const provider = await tab(storage, name)
      expect(await skus(provider.db)).toEqual([`S-${index}`])
    }
    expect(storage.getItem('theme')).toBe('dark')
    expect(storage.getItem('@inventory/storage:local-storage:other')).toBe('not ours')
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string)
    const owners = keys.map((key) => names.filter((name) => key.startsWith(localStorageKeyPrefix(name))).length)
    expect(owners.filter((count) => count === 1).length).toBe(keys.length - 2)
  })
})

describe('local-storage: a damaged store', () => {
  /** A stored database whose first page is overwritten with text that is no page at all. */
  async function damagedDatabase(storage: QuotaStorage, name: string) {
    const provider = await tab(storage, name)
    await provider.migrate(conformanceMigrations)
    await provider.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
    await provider.close()
    for (const slot of ['1.0', '1.1']) {
      const key = `${localStorageKeyPrefix(name)}${slot}`
      if (storage.getItem(key) !== null) storage.setItem(key, 'not a page')
    }
  }

  it('is thrown by createStorage naming local-storage, never replaced by the next candidate', async () => {
    const storage = new QuotaStorage()
    const name = `damaged-${++databases}`
    await damagedDatabase(storage, name)
    const indexedDB = new IDBFactory()
    const error = await createStorage({
      adapters: [localStorageAdapter({ name, storage }), indexedDbAdapter({ name, indexedDB })],
    }).catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'local-storage' })
    expect((error as StorageError).message).toMatch(
      /^\[@inventory\/storage\] \[local-storage\] the stored database is damaged/,
    )
    expect(await indexedDB.databases()).toEqual([])
  })

  /** Rewrites (or removes) the stored pages after page 1, leaving the meta record as it is. */
  function damagePages(storage: QuotaStorage, name: string, damage: (key: string, value: string) => string | null) {
    const prefix = localStorageKeyPrefix(name)
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string)
    const pageKeys = keys.filter((key) => /^\d+\.[01]$/.test(key.slice(prefix.length)) && key.startsWith(prefix))
    const damaged = pageKeys.filter((key) => !key.slice(prefix.length).startsWith('1.'))
    expect(damaged.length).toBeGreaterThan(0)
    for (const key of damaged) {
      const value = damage(key, storage.getItem(key) as string)
      if (value === null) storage.removeItem(key)
      else storage.setItem(key, value)
    }
  }

  async function storedDatabase(storage: QuotaStorage, name: string) {
    const provider = await tab(storage, name)
    await provider.migrate(conformanceMigrations)
    await provider.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
    await provider.close()
    open.splice(open.indexOf(provider as StorageProvider<unknown>), 1)
  }

  const openAndRead = async (storage: QuotaStorage, name: string) => {
    try {
      const provider = await tab(storage, name)
      await provider.db.selectFrom('items').selectAll().execute()
    } catch (error) {
      return error
    }
    return undefined
  }

  it('answers garbled pages (SQLite: "database disk image is malformed") with CORRUPT_STORAGE', async () => {
    const storage = new QuotaStorage()
    const name = `garbled-${++databases}`
    await storedDatabase(storage, name)
    const noise = encodePage(new Uint8Array(4096).map((_, i) => (i * 73 + 41) % 256))
    damagePages(storage, name, (_key, value) => `${value.slice(0, value.indexOf(':'))}:${noise}`)
    expect(await openAndRead(storage, name)).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'local-storage' })
  })

  it('answers a truncated store (pages missing) with CORRUPT_STORAGE', async () => {
    const storage = new QuotaStorage()
    const name = `truncated-${++databases}`
    await storedDatabase(storage, name)
    damagePages(storage, name, () => null)
    const error = await openAndRead(storage, name)
    expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'local-storage' })
    expect((error as Error).message).toMatch(/the stored database is damaged: a page the meta record names is missing/)
  })

  it('is deleted by deleteLocalStorageDatabase, which removes its keys and no other', async () => {
    const storage = new QuotaStorage()
    storage.setItem('theme', 'dark')
    const name = `damaged-${++databases}`
    const other = await tab(storage, `${name}-other`)
    await other.migrate(conformanceMigrations)
    await other.db.insertInto('items').values({ sku: 'KEPT', name: 'kept' }).execute()
    await damagedDatabase(storage, name)
    const keysBefore = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string)
    await deleteLocalStorageDatabase({ name, storage })
    const keysAfter = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string)
    expect(keysAfter).toEqual(keysBefore.filter((key) => !key.startsWith(localStorageKeyPrefix(name))))
    expect(keysAfter).toContain('theme')
    const fresh = await tab(storage, name)
    expect(await fresh.db.introspection.getTables()).toEqual([])
    expect(await skus(other.db)).toEqual(['KEPT'])
  })
})

describe('local-storage: options', () => {
  it('keeps the options it was given, whatever the caller changes afterwards', async () => {
    const storage = new QuotaStorage()
    const options: { name: string; storage?: Storage } = { name: 'given', storage }
    const adapter = localStorageAdapter(options)
    options.name = 'changed'
    options.storage = new QuotaStorage()
    const provider = await adapter.open()
    open.push(provider as StorageProvider<unknown>)
    await sql`create table t (x)`.execute(provider.db)
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.every((key) => key.startsWith(localStorageKeyPrefix('given')))).toBe(true)
  })
})

describe('local-storage: quota', () => {
  it('rejects a write past the quota, keeps memory and storage at the last stored state, and recovers after deletes', async () => {
    const storage = new QuotaStorage()
    const name = `quota-${++databases}`
    const provider = await tab(storage, name)
    await provider.migrate(conformanceMigrations)
    storage.area.quota = storage.area.used + 60_000
    let stored = 0
    let failure: unknown
    for (;;) {
      const usedBefore = storage.area.used
      const keysBefore = storage.length
      try {
        await provider.db
          .insertInto('items')
          .values({ sku: `Q-${stored}`, name: `item ${stored} `.repeat(20) })
          .execute()
        stored++
      } catch (error) {
        failure = error
        expect(storage.area.used).toBe(usedBefore)
        expect(storage.length).toBe(keysBefore)
        break
      }
    }
    expect(stored).toBeGreaterThan(50)
    expect(failure).toBeInstanceOf(StorageQuotaError)
    expect((failure as StorageQuotaError).message).toMatch(/localStorage is full; the write was rolled back/)
    const inTransaction = await provider
      .transaction(async (trx) => {
        await trx.updateTable('items').set({ quantity: 7 }).execute()
        await trx
          .insertInto('items')
          .values({ sku: 'lost', name: 'x'.repeat(30_000) })
          .execute()
      })
      .catch((error: unknown) => error)
    expect(inTransaction).toBeInstanceOf(StorageQuotaError)
    const expected = Array.from({ length: stored }, (_, i) => `Q-${i}`)
    expect(await skus(provider.db)).toEqual(expected)
    expect(await provider.db.selectFrom('items').select('quantity').distinct().execute()).toEqual([{ quantity: 0 }])

    const reopened = await tab(storage.openTab(), name)
    expect(await skus(reopened.db)).toEqual(expected)
    expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])

    await provider.db
      .deleteFrom('items')
      .where('id', '<=', Math.floor(stored / 2))
      .execute()
    await provider.db.insertInto('items').values({ sku: 'after', name: 'after delete' }).execute()
    const afterDelete = await tab(storage.openTab(), name)
    expect((await skus(afterDelete.db)).at(-1)).toBe('after')
    expect(await integrityCheck(afterDelete.db)).toEqual([{ integrity_check: 'ok' }])
  })
})

describe('local-storage: insertMany past the quota', () => {
  it('rejects with StorageQuotaError and stores none of the rows, in memory, in storage or for another tab', async () => {
    const storage = new QuotaStorage()
    const name = `quota-many-${++databases}`
    const provider = await tab(storage, name)
    await provider.migrate(conformanceMigrations)
    await provider.insertMany('items', [{ sku: 'kept', name: 'stored before' }])
    storage.area.quota = storage.area.used + 40_000
    const usedBefore = storage.area.used
    const keysBefore = storage.length
    const rows = Array.from({ length: 2_000 }, (_, index) => ({ sku: `M-${index}`, name: `row ${index} `.repeat(10) }))
    const failure = await provider.insertMany('items', rows).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageQuotaError)
    expect(storage.area.used).toBe(usedBefore)
    expect(storage.length).toBe(keysBefore)
    expect(await skus(provider.db)).toEqual(['kept'])
    const other = await tab(storage.openTab(), name)
    expect(await skus(other.db)).toEqual(['kept'])
    expect(await integrityCheck(other.db)).toEqual([{ integrity_check: 'ok' }])
    // What fits still goes in, after the refusal.
    await provider.insertMany('items', rows.slice(0, 20))
    expect(await skus(provider.db)).toHaveLength(21)
    await waitFor(async () => (await skus(other.db)).length === 21)
  })
})

/**
 * A tab that dies after `mutations` more writes to storage: later writes throw and change nothing,
 * as nothing happens after a page is gone.
 */
function dyingTab(storage: QuotaStorage, mutations: number) {
  const view = storage.openTab()
  let left = Number.POSITIVE_INFINITY
  let wroteMeta = false
  const setItem = view.setItem.bind(view)
  const removeItem = view.removeItem.bind(view)
  const alive = () => {
    if (left-- <= 0) throw new Error('the page is gone')
  }
  view.setItem = (key, value) => {
    alive()
    setItem(key, value)
    if (key.endsWith(':meta')) wroteMeta = true
  }
  view.removeItem = (key) => {
    alive()
    removeItem(key)
  }
  return {
    storage: view,
    wroteMeta: () => wroteMeta,
    arm: () => {
      left = mutations
    },
  }
}

describe('local-storage: a page closed in the middle of a commit', () => {
  // A commit of one row writes the changed pages (2 or 3), the meta record, then removes the
  // replaced pages: crash points inside each step.
  for (const crashAfter of [0, 1, 2, 3, 4]) {
    it(`keeps exactly the committed writes when the page dies after ${crashAfter} writes of a commit`, async () => {
      const storage = new QuotaStorage()
      const name = `crash-${++databases}`
      const setup = await tab<{ log: { n: number; text: string } }>(storage, name)
      await sql`create table log (n integer primary key, text text not null)`.execute(setup.db)
      for (let n = 1; n <= 30; n++)
        await sql`insert into log (n, text) values (${n}, ${'x'.repeat(300)})`.execute(setup.db)
      await setup.close()

      const dying = dyingTab(storage, crashAfter)
      const writer = await tab<{ log: { n: number; text: string } }>(dying.storage, name)
      dying.arm()
      const failure = await sql`insert into log (n, text) values (31, ${'y'.repeat(300)})`
        .execute(writer.db)
        .catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(Error)

      const reopened = await tab<{ log: { n: number; text: string } }>(storage.openTab(), name)
      const rows = await sql<{ n: number }>`select n from log order by n`.execute(reopened.db)
      const expected = Array.from({ length: dying.wroteMeta() ? 31 : 30 }, (_, i) => i + 1)
      expect(rows.rows.map((row) => row.n)).toEqual(expected)
      expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
      // The next commit removes what the dead page left behind: every page key is referenced.
      await sql`insert into log (n, text) values (32, 'z')`.execute(reopened.db)
      const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(reopened.db)).rows[0]?.page_count
      const prefix = localStorageKeyPrefix(name)
      const pageKeys = Array.from({ length: storage.length }, (_, i) => storage.key(i) as string).filter(
        (key) => key.startsWith(prefix) && /\d+\.[01]$/.test(key),
      )
      expect(pageKeys.length).toBe(pages)
    })
  }
})

describe('local-storage: the quota hit at each setItem of a commit', () => {
  // The commit of one row writes its changed pages and then the meta record (3 keys here); the
  // quota strikes at each of those writes in turn, and once past the last, which lets it through.
  for (const failingWrite of [0, 1, 2, 3]) {
    it(`setItem ${failingWrite + 1} refused: the write rejects unless already committed; stored and in-memory state agree`, async () => {
      const storage = new QuotaStorage()
      const name = `quota-at-${++databases}`
      const view = storage.openTab()
      let countdown = Number.POSITIVE_INFINITY
      const setItem = view.setItem.bind(view)
      view.setItem = (key, value) => {
        if (countdown-- === 0) throw new DOMException('the quota has been exceeded', 'QuotaExceededError')
        setItem(key, value)
      }
      const writer = await tab<{ log: { n: number; text: string } }>(view, name)
      await sql`create table log (n integer primary key, text text not null)`.execute(writer.db)
      for (let n = 1; n <= 20; n++)
        await sql`insert into log (n, text) values (${n}, ${'x'.repeat(300)})`.execute(writer.db)

      countdown = failingWrite
      const failure = await sql`insert into log (n, text) values (21, ${'y'.repeat(300)})`
        .execute(writer.db)
        .catch((e: unknown) => e)
      const committed = countdown >= 0
      countdown = Number.POSITIVE_INFINITY
      const expected = Array.from({ length: committed ? 21 : 20 }, (_, i) => i + 1)
      if (failingWrite === 0) expect(committed).toBe(false)
      if (committed) expect(failure).not.toBeInstanceOf(Error)
      else expect(failure).toBeInstanceOf(StorageQuotaError)

      const read = async (db: Kysely<any>) =>
        (await sql<{ n: number }>`select n from log order by n`.execute(db)).rows.map((row) => row.n)
      expect(await read(writer.db)).toEqual(expected)
      const reopened = await tab<{ log: { n: number; text: string } }>(storage.openTab(), name)
      expect(await read(reopened.db)).toEqual(expected)
      expect(await integrityCheck(reopened.db)).toEqual([{ integrity_check: 'ok' }])
      await sql`insert into log (n, text) values (22, 'after')`.execute(writer.db)
      expect((await read(writer.db)).at(-1)).toBe(22)
    })
  }
})

describe('local-storage: tabs sharing one storage', () => {
  async function counterTabs() {
    const storage = new QuotaStorage()
    const locks = new InPageLockManager()
    const name = `tabs-${++databases}`
    const first = await tab<CounterDB>(storage, name, locks)
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await first.db.insertInto('counters').values({ id: 1, value: 0 }).execute()
    const second = await tab<CounterDB>(storage.openTab(), name, locks)
    return { storage, first, second }
  }

  it('ignores storage events of other keys and other databases', async () => {
    const { storage, first, second } = await counterTabs()
    const other = await tab<CounterDB>(storage.openTab(), 'unrelated')
    const remote: ChangeEvent[] = []
    first.onChange((event) => remote.push(event))
    await sql`create table counters (id integer primary key, value integer not null)`.execute(other.db)
    storage.openTab().setItem('theme', 'light')
    await second.db.updateTable('counters').set({ value: 9 }).execute()
    await waitFor(() => remote.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(remote).toEqual([{ tables: ['counters'], source: 'remote' }])
  })
})

describe('local-storage: a tab whose copy of the storage lags behind', () => {
  it('waits for the newest commit another tab announced before writing, so it never writes over it', async () => {
    // Two processes' copies of one origin's localStorage: changes reach the second one only when the test copies them.
    const writerCopy = new QuotaStorage()
    const laggingCopy = new QuotaStorage()
    const deliver = () => {
      for (let i = 0; i < writerCopy.length; i++) {
        const key = writerCopy.key(i) as string
        laggingCopy.setItem(key, writerCopy.getItem(key) as string)
      }
      for (let i = laggingCopy.length - 1; i >= 0; i--) {
        const key = laggingCopy.key(i) as string
        if (writerCopy.getItem(key) === null) laggingCopy.removeItem(key)
      }
    }
    const locks = new QueryableLockManager()
    const name = `lagging-${++databases}`
    const first = await tab<CounterDB>(writerCopy, name, locks)
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await first.db.insertInto('counters').values({ id: 1, value: 1 }).execute()
    deliver()
    const second = await tab<CounterDB>(laggingCopy, name, locks)
    await first.db.updateTable('counters').set({ value: 2 }).execute()

    // The second tab's copy still says 1; its write must wait for version of the update to arrive.
    setTimeout(deliver, 50)
    await second.db
      .updateTable('counters')
      .set((eb) => ({ value: eb('value', '+', 10) }))
      .execute()
    expect((await second.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value).toBe(12)
  })
})
