/**
 * Benchmarks of the IndexedDB adapter against Dexie, run in the page by `pnpm bench:browser`:
 * indexed point reads, a bulk insert of 10,000 rows, the open time of a 10 MB database, and the
 * cost of a one-row commit into a 50 MB database relative to a 1 MB one.
 */
import { Dexie, type Table } from 'dexie'
import { type Generated, sql } from 'kysely'
import { createStorage, type StorageProvider } from '../src/index.js'
import { indexedDbAdapter } from '../src/indexeddb.js'
import type { BenchResult } from './measure.js'

interface Item {
  id: number
  sku: string
  name: string
  quantity: number
}

interface BenchDB {
  items: Item
  blobs: { id: Generated<number>; data: Uint8Array }
}

const ROWS = 10_000
const POINT_READS = 2_000
const run = `${Date.now()}`
let databases = 0

function rows(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    sku: `SKU-${String(i).padStart(6, '0')}`,
    name: `Item number ${i} with a description of moderate length`,
    quantity: i % 100,
  }))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await action()
  return performance.now() - start
}

function openStorage(name: string): Promise<StorageProvider<BenchDB>> {
  return createStorage<BenchDB>({ adapters: indexedDbAdapter({ name }) })
}

async function freshStorage(): Promise<StorageProvider<BenchDB>> {
  const storage = await openStorage(`bench-${run}-${++databases}`)
  await sql`create table items (id integer primary key, sku text not null unique, name text not null, quantity integer not null)`.execute(
    storage.db,
  )
  return storage
}

function freshDexie(): Dexie & { items: Table<Item, number> } {
  const dexie = new Dexie(`dexie-${run}-${++databases}`) as Dexie & { items: Table<Item, number> }
  dexie.version(1).stores({ items: 'id, &sku' })
  return dexie
}

function skusToRead(): string[] {
  return Array.from({ length: POINT_READS }, (_, i) => `SKU-${String((i * 7919) % ROWS).padStart(6, '0')}`)
}

async function bulkInsert(rounds: number): Promise<BenchResult[]> {
  const ours: number[] = []
  const dexie: number[] = []
  const data = rows(ROWS)
  for (let round = 0; round < rounds; round++) {
    const storage = await freshStorage()
    ours.push(await timed(() => storage.batch([storage.db.insertInto('items').values(data)])))
    await storage.close()
    const other = freshDexie()
    await other.open()
    dexie.push(await timed(() => other.items.bulkAdd(data)))
    other.close()
  }
  return [
    { name: 'bulk insert 10,000 rows', subject: '@inventory/storage', median: median(ours), unit: 'ms', rounds },
    { name: 'bulk insert 10,000 rows', subject: 'Dexie', median: median(dexie), unit: 'ms', rounds },
  ]
}

async function pointReads(rounds: number): Promise<BenchResult[]> {
  const storage = await freshStorage()
  await storage.batch([storage.db.insertInto('items').values(rows(ROWS))])
  const other = freshDexie()
  await other.items.bulkAdd(rows(ROWS))
  const skus = skusToRead()
  const ours: number[] = []
  const dexie: number[] = []
  for (let round = 0; round < rounds; round++) {
    ours.push(
      await timed(async () => {
        for (const sku of skus)
          await storage.db.selectFrom('items').selectAll().where('sku', '=', sku).executeTakeFirstOrThrow()
      }),
    )
    dexie.push(
      await timed(async () => {
        for (const sku of skus) await other.items.where('sku').equals(sku).first()
      }),
    )
  }
  await storage.close()
  other.close()
  const perRead = (values: number[]) => (median(values) / POINT_READS) * 1000
  return [
    { name: 'indexed point read', subject: '@inventory/storage', median: perRead(ours), unit: 'µs/read', rounds },
    { name: 'indexed point read', subject: 'Dexie', median: perRead(dexie), unit: 'µs/read', rounds },
  ]
}

/** Fills `blobs` with about `megabytes` MB of rows, committing at most 5 MB at a time. */
async function fill(storage: StorageProvider<BenchDB>, megabytes: number): Promise<void> {
  await sql`create table blobs (id integer primary key, data blob not null)`.execute(storage.db)
  const rowsPerMegabyte = 1000
  for (let done = 0; done < megabytes; done += 5) {
    const count = Math.min(5, megabytes - done) * rowsPerMegabyte
    await sql`with recursive c(x) as (select 1 union all select x + 1 from c limit ${count})
      insert into blobs (data) select randomblob(1000) from c`.execute(storage.db)
  }
}

async function databaseSize(storage: StorageProvider<BenchDB>): Promise<string> {
  const size = await sql<{
    size: number
  }>`select page_count * page_size as size from pragma_page_count(), pragma_page_size()`.execute(storage.db)
  return ((size.rows[0]?.size ?? 0) / 1_048_576).toFixed(1)
}

async function openTime(rounds: number): Promise<BenchResult[]> {
  const name = `bench-${run}-open`
  const storage = await openStorage(name)
  await fill(storage, 10)
  const megabytes = await databaseSize(storage)
  await storage.close()
  const times: number[] = []
  for (let round = 0; round < rounds; round++) {
    times.push(
      await timed(async () => {
        const reopened = await openStorage(name)
        await sql`select count(*) from blobs`.execute(reopened.db)
        await reopened.close()
      }),
    )
  }
  return [
    {
      name: `open a ${megabytes} MB database, first query`,
      subject: '@inventory/storage',
      median: median(times),
      unit: 'ms',
      rounds,
    },
  ]
}

async function commitCost(rounds: number): Promise<BenchResult[]> {
  const sizes = [1, 10, 25, 50]
  const databases = await Promise.all(
    sizes.map(async (megabytes) => {
      const storage = await openStorage(`bench-${run}-commit-${megabytes}`)
      await fill(storage, megabytes)
      return { megabytes, storage, actual: await databaseSize(storage), times: [] as number[] }
    }),
  )
  // Alternating between the databases exposes each to the same disk and browser noise.
  for (let round = 0; round < rounds; round++) {
    for (const database of databases) {
      const { storage } = database
      database.times.push(
        await timed(() =>
          storage.db
            .insertInto('blobs')
            .values({ data: new Uint8Array(100) })
            .execute(),
        ),
      )
    }
  }
  for (const { storage } of databases) await storage.close()
  return databases.map(({ megabytes, actual, times }) => ({
    name: `one-row commit into ${megabytes} MB (${actual} MB)`,
    subject: '@inventory/storage',
    median: median(times),
    unit: 'ms',
    rounds,
  }))
}

/** Runs every benchmark; called by the runner through `page.evaluate`. */
async function runBenchmarks(): Promise<BenchResult[]> {
  return [...(await pointReads(5)), ...(await bulkInsert(5)), ...(await openTime(5)), ...(await commitCost(50))]
}

Object.assign(globalThis, { runBenchmarks })
