import { IDBFactory } from 'fake-indexeddb'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createStorage, type StorageProvider, UniqueConstraintError } from '../../../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../../../src/indexeddb.js'
import { type CounterDB, incrementCounter, integrityCheck } from '../../support/tab-checks.js'

// What only the IndexedDB adapter shows across tabs; the behaviour every adapter that syncs tabs
// shares is the conformance suite's "across tabs" section.

/** One origin's IndexedDB database, as every tab of it opens it. */
interface Site {
  indexedDB: IDBFactory
  name: string
  locks: InPageLockManager
}

let sites = 0
const open: StorageProvider<unknown>[] = []

function newSite(): Site {
  return { indexedDB: new IDBFactory(), name: `tabs-${++sites}`, locks: new InPageLockManager() }
}

/** Opens a tab of `site`; one that does not announce its commits when `announce` is false. */
async function tab<DB>(site: Site, { announce = true } = {}): Promise<StorageProvider<DB>> {
  const adapter = indexedDbAdapter({ ...site, ...(announce ? {} : { broadcastChannel: () => undefined }) })
  const provider = await createStorage<DB>({ adapters: adapter })
  open.push(provider as StorageProvider<unknown>)
  return provider
}

/** Two tabs on a counter at 0 that announce none of their commits. */
async function silentCounterTabs() {
  const site = newSite()
  const first = await tab<CounterDB>(site, { announce: false })
  await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
  await first.db.insertInto('counters').values({ id: 1, value: 0 }).execute()
  const second = await tab<CounterDB>(site, { announce: false })
  return { site, first, second }
}

async function loop(times: number, step: () => Promise<unknown>) {
  for (let i = 0; i < times; i++) await step()
}

async function storedPageRecords(site: Site): Promise<number> {
  const database = await new Promise<IDBDatabase>((resolve) => {
    const opening = site.indexedDB.open(site.name)
    opening.onsuccess = () => resolve(opening.result)
  })
  const counting = database.transaction('pages').objectStore('pages').count()
  const count = await new Promise<number>((resolve) => {
    counting.onsuccess = () => resolve(counting.result)
  })
  database.close()
  return count
}

afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close()
})

describe('indexeddb: two tabs on one store', () => {
  it('loses no update without announcements: writers catch up under the lock', async () => {
    const { first, second } = await silentCounterTabs()
    const increment = (provider: StorageProvider<CounterDB>) =>
      provider.db
        .updateTable('counters')
        .set((eb) => ({ value: eb('value', '+', 1) }))
        .execute()
    await Promise.all([loop(100, () => increment(first)), loop(100, () => increment(second))])
    await incrementCounter(first)
    expect((await first.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value).toBe(201)
  })
})

describe('indexeddb: a single write that skips catching up', () => {
  // An insert, update or delete outside a transaction does not read the store before it runs; the
  // commit's own version check finds out when another tab got there first.
  it('is refused by the store when made on an old state, and runs again on the new one', async () => {
    const { first, second } = await silentCounterTabs()
    await first.db.insertInto('counters').values({ id: 2, value: 20 }).execute()
    // The second tab has not seen row 2: its insert of row 3 is made on an old state.
    await second.db.insertInto('counters').values({ id: 3, value: 30 }).execute()
    const rows = (provider: StorageProvider<CounterDB>) =>
      provider.db.selectFrom('counters').selectAll().orderBy('id').execute()
    const expected = [
      { id: 1, value: 0 },
      { id: 2, value: 20 },
      { id: 3, value: 30 },
    ]
    expect(await rows(second)).toEqual(expected)
    expect(await integrityCheck(second.db)).toEqual([{ integrity_check: 'ok' }])
    await first.db.updateTable('counters').set({ value: 1 }).where('id', '=', 1).execute()
    expect(await rows(first)).toEqual([{ id: 1, value: 1 }, ...expected.slice(1)])
  })

  it('fails only when it also fails on the new state', async () => {
    const { site, first, second } = await silentCounterTabs()
    await first.db.deleteFrom('counters').where('id', '=', 1).execute()
    // On the second tab's old state row 1 still exists, so this insert would break the primary key.
    await second.db.insertInto('counters').values({ id: 1, value: 7 }).execute()
    expect(await second.db.selectFrom('counters').selectAll().execute()).toEqual([{ id: 1, value: 7 }])
    await first.db.insertInto('counters').values({ id: 2, value: 2 }).execute()
    const duplicate = await second.db
      .insertInto('counters')
      .values({ id: 2, value: 3 })
      .execute()
      .catch((error: unknown) => error)
    expect(duplicate).toBeInstanceOf(UniqueConstraintError)
    const reopened = await tab<CounterDB>(site)
    expect(await reopened.db.selectFrom('counters').selectAll().orderBy('id').execute()).toEqual([
      { id: 1, value: 7 },
      { id: 2, value: 2 },
    ])
  })
})

describe('indexeddb: reading and shrinking', () => {
  it('streams rows in chunks', async () => {
    const site = newSite()
    const storage = await tab<CounterDB>(site)
    await sql`create table counters (id integer primary key, value integer not null)`.execute(storage.db)
    await storage.db
      .insertInto('counters')
      .values(Array.from({ length: 25 }, (_, i) => ({ id: i + 1, value: i })))
      .execute()
    const seen: number[] = []
    for await (const row of storage.db.selectFrom('counters').select('id').orderBy('id').stream(10)) seen.push(row.id)
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  })

  it('lets another tab catch up with a database that shrank (vacuum)', async () => {
    const site = newSite()
    const first = await tab<CounterDB>(site)
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await sql`with recursive c(x) as (select 1 union all select x + 1 from c limit 3000)
      insert into counters (id, value) select x, x from c`.execute(first.db)
    const second = await tab<CounterDB>(site)
    const pages = async (provider: StorageProvider<CounterDB>) =>
      (await sql<{ page_count: number }>`pragma page_count`.execute(provider.db)).rows[0]?.page_count
    const before = await pages(second)
    await first.db.deleteFrom('counters').where('id', '>', 10).execute()
    await sql`vacuum`.execute(first.db)
    await second.db.insertInto('counters').values({ id: 11, value: 11 }).execute()
    expect(await pages(second)).toBeLessThan(before as number)
    expect(
      await second.db
        .selectFrom('counters')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 11 })
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(second.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
    const reopened = await tab<CounterDB>(site)
    expect(await pages(reopened)).toBe(await pages(second))
    expect(await storedPageRecords(site)).toBe(await pages(second))
  })
})

describe('indexeddb: a tab that has not heard of a new table yet', () => {
  it('catches up when a statement names a table it does not know', async () => {
    const site = newSite()
    const first = await tab<CounterDB>(site, { announce: false })
    const second = await tab<CounterDB>(site, { announce: false })
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await second.db.insertInto('counters').values({ id: 1, value: 1 }).execute()
    await first.db.insertInto('counters').values({ id: 2, value: 2 }).execute()
    expect(await first.db.selectFrom('counters').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }])
    const missing = await second.db
      .selectFrom('nothing' as 'counters')
      .selectAll()
      .execute()
      .catch((error: unknown) => error)
    expect(String(missing)).toMatch(/no such table: nothing/)
  })
})
