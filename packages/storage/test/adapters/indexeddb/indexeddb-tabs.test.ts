import { IDBFactory } from 'fake-indexeddb'
import { type Kysely, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { InPageLockManager } from '../../../src/indexeddb.js'
import { type ChangeEvent, MigrationError, type StorageProvider } from '../../../src/index.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'
import { openTab, type TabSite } from '../../support/browser-tabs.js'
import { type CounterDB, incrementCounter, waitFor } from '../../support/tab-checks.js'

let sites = 0
const open: StorageProvider<unknown>[] = []

function newSite(): TabSite {
  return { indexedDB: new IDBFactory(), name: `tabs-${++sites}`, locks: new InPageLockManager() }
}

async function tab<DB>(site: TabSite, options?: Parameters<typeof openTab>[1]): Promise<StorageProvider<DB>> {
  const provider = await openTab<DB>(site, options)
  open.push(provider as StorageProvider<unknown>)
  return provider
}

async function counterTabs(announce: boolean) {
  const site = newSite()
  const first = await tab<CounterDB>(site, { announce })
  await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
  await first.db.insertInto('counters').values({ id: 1, value: 0 }).execute()
  const second = await tab<CounterDB>(site, { announce })
  return { first, second }
}

async function loop(times: number, step: () => Promise<unknown>) {
  for (let i = 0; i < times; i++) await step()
}

async function storedPageRecords(site: TabSite): Promise<number> {
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
  it('loses no update: two tabs each incrementing one counter 500 times end at 1000', async () => {
    const { first, second } = await counterTabs(true)
    const seen: number[] = []
    const increments = (provider: StorageProvider<CounterDB>) =>
      loop(500, async () => seen.push(await incrementCounter(provider)))
    await Promise.all([increments(first), increments(second)])
    // Every increment read a value no other increment read: none worked on a stale copy.
    expect(new Set(seen).size).toBe(1000)
    const counter = (provider: StorageProvider<CounterDB>) =>
      provider.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()
    // Reads do not wait for other tabs; each tab reaches 1000 once the last announcement arrives.
    await waitFor(async () => (await counter(first)).value === 1000 && (await counter(second)).value === 1000)
  })

  it('loses no update without announcements: writers catch up under the lock', async () => {
    const { first, second } = await counterTabs(false)
    const increment = (provider: StorageProvider<CounterDB>) =>
      provider.db
        .updateTable('counters')
        .set((eb) => ({ value: eb('value', '+', 1) }))
        .execute()
    await Promise.all([loop(100, () => increment(first)), loop(100, () => increment(second))])
    await incrementCounter(first)
    expect((await first.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value).toBe(201)
  })

  it("fires onChange with source 'remote' in the other tab, after which it reads the new rows", async () => {
    const site = newSite()
    const writer = await tab<ConformanceDB>(site)
    await writer.migrate(conformanceMigrations)
    const reader = await tab<ConformanceDB>(site)
    expect(await reader.db.selectFrom('items').selectAll().execute()).toEqual([])
    const remote: ChangeEvent[] = []
    const local: ChangeEvent[] = []
    reader.onChange((event) => remote.push(event))
    writer.onChange((event) => local.push(event))

    await writer.db.insertInto('items').values({ sku: 'R-1', name: 'remote' }).execute()
    await waitFor(() => remote.length > 0)

    expect(remote).toEqual([{ tables: ['items'], source: 'remote' }])
    expect(local).toEqual([{ tables: ['items'], source: 'local' }])
    expect(await reader.db.selectFrom('items').select('sku').execute()).toEqual([{ sku: 'R-1' }])
  })

  it('sees tables another tab created, and writes after them', async () => {
    const site = newSite()
    const first = await tab<ConformanceDB>(site)
    const second = await tab<ConformanceDB>(site)
    await first.migrate(conformanceMigrations)
    await second.db.insertInto('categories').values({ name: 'garden' }).execute()
    expect((await second.migrate(conformanceMigrations)).applied).toEqual([])
    // The migration adds two categories; the second tab added a third.
    await waitFor(async () => (await first.db.selectFrom('categories').select('name').execute()).length === 3)
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(first.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
  })

  it('keeps a read-only tab current through announcements alone', async () => {
    const site = newSite()
    const writer = await tab<CounterDB>(site)
    await sql`create table counters (id integer primary key, value integer not null)`.execute(writer.db)
    const reader = await tab<CounterDB>(site)
    for (let value = 1; value <= 20; value++) {
      await writer.db.insertInto('counters').values({ id: value, value }).execute()
    }
    await waitFor(async () => (await reader.db.selectFrom('counters').select('id').execute()).length === 20)
    const sum = await reader.db
      .selectFrom('counters')
      .select((eb) => eb.fn.sum<number>('value').as('total'))
      .executeTakeFirstOrThrow()
    expect(sum.total).toBe(210)
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

describe('indexeddb: tabs migrating one database', () => {
  it('apply each migration once when two tabs migrate at the same time', async () => {
    const site = newSite()
    const [first, second] = [await tab<ConformanceDB>(site), await tab<ConformanceDB>(site)]
    const reports = await Promise.all([first.migrate(conformanceMigrations), second.migrate(conformanceMigrations)])
    expect(reports.flatMap((report) => report.applied).sort()).toEqual(['0001_catalog', '0002_movements'])
    for (const report of reports) {
      expect([...report.applied, ...report.alreadyApplied].sort()).toEqual(['0001_catalog', '0002_movements'])
    }
    // The second migration inserts the two categories: applied twice, there would be a unique error or four.
    expect(await second.db.selectFrom('categories').select('name').orderBy('name').execute()).toEqual([
      { name: 'parts' },
      { name: 'tools' },
    ])
  })

  it('refuse to run a tab with an older migration set against a newer schema, and corrupt nothing', async () => {
    const site = newSite()
    const newer = await tab<ConformanceDB>(site)
    const upgrade = {
      ...conformanceMigrations,
      '0003_item_notes': {
        async up(db: Kysely<any>) {
          await db.schema.alterTable('items').addColumn('notes', 'text').execute()
        },
      },
    }
    await newer.migrate(upgrade)
    const older = await tab<ConformanceDB>(site)
    const failure = await older.migrate(conformanceMigrations).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationError)
    expect((failure as Error).message).toContain('0003_item_notes')
    await newer.db.insertInto('items').values({ sku: 'N-1', name: 'written by the newer tab' }).execute()
    // Reads see another tab's commit once its announcement arrives.
    await waitFor(async () => (await older.db.selectFrom('items').select('sku').execute()).length === 1)
    expect(await older.db.selectFrom('items').select('sku').execute()).toEqual([{ sku: 'N-1' }])
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(older.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
  })
})
