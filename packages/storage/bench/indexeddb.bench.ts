/**
 * Benchmarks of the IndexedDB adapter, run in the page by `pnpm bench:browser`, against Dexie
 * (indexed point reads, a bulk insert of 10,000 rows) and, in the same run, against wa-sqlite's
 * IDBBatchAtomicVFS with the same schema and durability: strict and relaxed one-row commits,
 * indexed point reads, opening a 10 MB database and answering a first query, and the one-row
 * commit in databases of 1, 10 and 100 MB.
 */
import { Dexie, type Table } from 'dexie'
import { type Generated, sql } from 'kysely'
import type { Placeholders } from '../src/index.js'
import { createStorage, type StorageProvider } from '../src/index.js'
import { indexedDbAdapter } from '../src/indexeddb.js'
import type { BenchResult } from './measure.js'
import { WaSqliteDatabase } from './wa-sqlite-peer.js'

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
  const peer = await WaSqliteDatabase.open(`wa-sqlite-${run}-reads`)
  await peer.exec(
    'create table items (id integer primary key, sku text not null unique, name text not null, quantity integer not null)',
  )
  await peer.exec('begin')
  for (const item of rows(ROWS)) {
    await peer.run('insert into items (id, sku, name, quantity) values (?, ?, ?, ?)', [
      item.id,
      item.sku,
      item.name,
      item.quantity,
    ])
  }
  await peer.exec('commit')
  const itemBySku = storage.prepare((db, $: Placeholders<{ sku: string }>) =>
    db.selectFrom('items').selectAll().where('sku', '=', $('sku')),
  )
  const skus = skusToRead()
  const ways: Record<string, { subject: string; read: (sku: string) => Promise<unknown>; times: number[] }> = {
    kysely: {
      subject: '@inventory/storage',
      read: (sku) => storage.db.selectFrom('items').selectAll().where('sku', '=', sku).executeTakeFirstOrThrow(),
      times: [],
    },
    prepared: {
      subject: '@inventory/storage prepare()',
      read: (sku) => itemBySku.executeTakeFirst({ sku }),
      times: [],
    },
    peer: {
      subject: 'wa-sqlite IDBBatchAtomicVFS prepared',
      read: (sku) => peer.run('select * from items where sku = ?', [sku]),
      times: [],
    },
    dexie: { subject: 'Dexie', read: (sku) => other.items.where('sku').equals(sku).first(), times: [] },
  }
  for (let round = 0; round < rounds; round++) {
    for (const way of Object.values(ways)) {
      way.times.push(
        await timed(async () => {
          for (const sku of skus) await way.read(sku)
        }),
      )
    }
  }
  await storage.close()
  await peer.close()
  other.close()
  const perRead = (values: number[]) => (median(values) / POINT_READS) * 1000
  return Object.values(ways).map(({ subject, times }) => ({
    name: 'indexed point read',
    subject,
    median: perRead(times),
    unit: 'µs/read',
    rounds,
  }))
}

/** Fills `blobs` with about `megabytes` MB of rows, committing at most 5 MB at a time. */
async function fill(run: (sql: string) => Promise<unknown>, megabytes: number): Promise<void> {
  await run('create table blobs (id integer primary key, data blob not null)')
  const rowsPerMegabyte = 1000
  for (let done = 0; done < megabytes; done += 5) {
    const count = Math.min(5, megabytes - done) * rowsPerMegabyte
    await run(`with recursive c(x) as (select 1 union all select x + 1 from c limit ${count})
      insert into blobs (data) select randomblob(1000) from c`)
  }
}

function fillOurs(storage: StorageProvider<BenchDB>, megabytes: number): Promise<void> {
  return fill((text) => sql.raw(text).execute(storage.db), megabytes)
}

function fillPeer(peer: WaSqliteDatabase, megabytes: number): Promise<void> {
  return fill((text) => peer.exec(text), megabytes)
}

async function databaseSize(storage: StorageProvider<BenchDB>): Promise<string> {
  const size = await sql<{
    size: number
  }>`select page_count * page_size as size from pragma_page_count(), pragma_page_size()`.execute(storage.db)
  return ((size.rows[0]?.size ?? 0) / 1_048_576).toFixed(1)
}

/** The first query after opening: one row by primary key, or a count that reads every page. */
const FIRST_QUERIES = {
  'one row by key': 'select length(data) as size from blobs where id = 4321',
  'count(*) of every row': 'select count(*) as count from blobs',
} as const

async function openTime(rounds: number): Promise<BenchResult[]> {
  const ourName = `bench-${run}-open`
  const peerName = `wa-sqlite-${run}-open`
  const storage = await openStorage(ourName)
  await fillOurs(storage, 10)
  const megabytes = await databaseSize(storage)
  await storage.close()
  const peer = await WaSqliteDatabase.open(peerName)
  await fillPeer(peer, 10)
  await peer.close()
  const results: BenchResult[] = []
  for (const [label, query] of Object.entries(FIRST_QUERIES)) {
    const ours: number[] = []
    const theirs: number[] = []
    for (let round = 0; round < rounds; round++) {
      ours.push(
        await timed(async () => {
          const reopened = await openStorage(ourName)
          await sql.raw(query).execute(reopened.db)
          await reopened.close()
        }),
      )
      theirs.push(
        await timed(async () => {
          const reopened = await WaSqliteDatabase.open(peerName)
          await reopened.run(query)
          await reopened.close()
        }),
      )
    }
    const name = `open a ${megabytes} MB database, first query: ${label}`
    results.push(
      { name, subject: '@inventory/storage', median: median(ours), unit: 'ms', rounds },
      { name, subject: 'wa-sqlite IDBBatchAtomicVFS', median: median(theirs), unit: 'ms', rounds },
    )
  }
  return results
}

/** One-row commits, strict or relaxed, into a small table: ours and wa-sqlite's, interleaved. */
async function commitLatency(durability: 'strict' | 'relaxed', rounds: number): Promise<BenchResult[]> {
  const storage = await createStorage<BenchDB>({
    adapters: indexedDbAdapter({ name: `bench-${run}-${durability}`, durability }),
  })
  await sql`create table items (id integer primary key, sku text not null unique, name text not null, quantity integer not null)`.execute(
    storage.db,
  )
  const peer = await WaSqliteDatabase.open(`wa-sqlite-${run}-${durability}`, durability)
  await peer.exec(
    'create table items (id integer primary key, sku text not null unique, name text not null, quantity integer not null)',
  )
  const ours: number[] = []
  const theirs: number[] = []
  const insert = 'insert into items (id, sku, name, quantity) values (?, ?, ?, ?)'
  for (let round = 0; round < rounds; round++) {
    const [row] = rows(1).map((item) => ({ ...item, id: round + 1, sku: `SKU-${round}` })) as [Item]
    ours.push(await timed(() => storage.db.insertInto('items').values(row).execute()))
    theirs.push(await timed(() => peer.run(insert, [row.id, row.sku, row.name, row.quantity])))
  }
  await storage.close()
  await peer.close()
  const name = `${durability} one-row commit`
  return [
    { name, subject: '@inventory/storage', median: median(ours), unit: 'ms', rounds },
    { name, subject: 'wa-sqlite IDBBatchAtomicVFS', median: median(theirs), unit: 'ms', rounds },
  ]
}

/** Database sizes the one-row commit is timed in, in MB. */
const COMMIT_SIZES = [1, 10, 100]

async function commitCost(rounds: number): Promise<BenchResult[]> {
  const databases = []
  for (const megabytes of COMMIT_SIZES) {
    const storage = await openStorage(`bench-${run}-commit-${megabytes}`)
    await fillOurs(storage, megabytes)
    const peer = await WaSqliteDatabase.open(`wa-sqlite-${run}-commit-${megabytes}`)
    await fillPeer(peer, megabytes)
    databases.push({
      megabytes,
      storage,
      peer,
      actual: await databaseSize(storage),
      ours: [] as number[],
      theirs: [] as number[],
    })
  }
  const blob = new Uint8Array(100)
  // Alternating between the databases exposes each to the same disk and browser noise.
  for (let round = 0; round < rounds; round++) {
    for (const database of databases) {
      database.ours.push(await timed(() => database.storage.db.insertInto('blobs').values({ data: blob }).execute()))
      database.theirs.push(await timed(() => database.peer.run('insert into blobs (data) values (?)', [blob])))
    }
  }
  for (const { storage, peer } of databases) {
    await storage.close()
    await peer.close()
  }
  return databases.flatMap(({ megabytes, actual, ours, theirs }) => [
    {
      name: `one-row commit into ${megabytes} MB (${actual} MB)`,
      subject: '@inventory/storage',
      median: median(ours),
      unit: 'ms',
      rounds,
    },
    {
      name: `one-row commit into ${megabytes} MB (${actual} MB)`,
      subject: 'wa-sqlite IDBBatchAtomicVFS',
      median: median(theirs),
      unit: 'ms',
      rounds,
    },
  ])
}

/** The benchmarks, by name; `runBenchmarks` runs those named, or all. */
const benchmarks: Record<string, () => Promise<BenchResult[]>> = {
  'point-read': () => pointReads(5),
  'bulk-insert': () => bulkInsert(5),
  'strict-commit': () => commitLatency('strict', 100),
  'relaxed-commit': () => commitLatency('relaxed', 100),
  open: () => openTime(5),
  'commit-by-size': () => commitCost(50),
}

/** Runs the benchmarks named (all by default); called by the runner through `page.evaluate`. */
async function runBenchmarks(names: readonly string[] = Object.keys(benchmarks)): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const name of names) {
    const benchmark = benchmarks[name]
    if (!benchmark) throw new Error(`no benchmark named ${name}`)
    results.push(...(await benchmark()))
  }
  return results
}

Object.assign(globalThis, { runBenchmarks })
