/**
 * The local-storage adapter, run in the page by `pnpm bench:browser local-storage`: how many rows
 * of a typical items table fit in localStorage before the quota, stored by the adapter and stored
 * as one JSON string per row, measured one after the other in the same page; and what a one-row
 * commit costs as the database grows.
 */
import { type Generated, sql } from 'kysely'
import { createStorage, StorageQuotaError } from '../src/index.js'
import { localStorageAdapter } from '../src/local-storage.js'
import type { BenchResult } from './measure.js'

interface Item {
  id: number
  sku: string
  name: string
  quantity: number
  location: string
  category: string
  reorder_level: number
  unit_cost: number
}

interface DensityDB {
  items: Item
}

interface CommitDB {
  blobs: { id: Generated<number>; data: Uint8Array }
}

const CATEGORIES = ['tools', 'fasteners', 'garden', 'electrical', 'plumbing', 'paint']
const NOUNS = ['hammer', 'wrench', 'screw', 'hose', 'cable', 'brush', 'drill bit', 'valve', 'bolt', 'glove']

function item(id: number): Item {
  const noun = NOUNS[id % NOUNS.length] as string
  return {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `${noun} ${(id * 37) % 500} mm, pack of ${1 + (id % 12)}`,
    quantity: (id * 7919) % 1000,
    location: `aisle ${1 + (id % 40)}, shelf ${String.fromCharCode(65 + (id % 6))}`,
    category: CATEGORIES[id % CATEGORIES.length] as string,
    reorder_level: 10 + (id % 50),
    unit_cost: Math.round(((id * 131) % 10_000) + 99) / 100,
  }
}

/** Rows the adapter stores before the quota: batches of 500 rows, then single rows once one fails. */
async function adapterRows(): Promise<number> {
  const name = 'density'
  const storage = await createStorage<DensityDB>({ adapters: localStorageAdapter({ name }) })
  await sql`create table items (id integer primary key, sku text not null unique, name text not null,
    quantity integer not null, location text not null, category text not null,
    reorder_level integer not null, unit_cost real not null)`.execute(storage.db)
  let stored = 0
  for (const batch of [500, 20, 1]) {
    for (;;) {
      const rows = Array.from({ length: batch }, (_, i) => item(stored + i + 1))
      try {
        await storage.db.insertInto('items').values(rows).execute()
        stored += batch
      } catch (error) {
        if (!(error instanceof StorageQuotaError)) throw error
        break
      }
    }
  }
  await storage.close()
  return stored
}

/** Rows stored as one JSON string per row under its own key, until the quota. */
function jsonRows(): number {
  let stored = 0
  for (;;) {
    const row = item(stored + 1)
    try {
      localStorage.setItem(`items:${row.id}`, JSON.stringify(row))
      stored++
    } catch {
      return stored
    }
  }
}

/** The median one-row commit into databases of growing size, each alone in the storage. */
async function commitCost(rounds: number): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const megabytes of [0.25, 0.5, 1, 2]) {
    localStorage.clear()
    const storage = await createStorage<CommitDB>({ adapters: localStorageAdapter({ name: `commit-${megabytes}` }) })
    await sql`create table blobs (id integer primary key, data blob not null)`.execute(storage.db)
    // Random bytes, which neither the page packing nor its zero-run compression can shrink.
    const chunk = () => Array.from({ length: 25 }, () => ({ data: crypto.getRandomValues(new Uint8Array(2000)) }))
    while ((await databaseBytes(storage)) < megabytes * 1_048_576)
      await storage.db.insertInto('blobs').values(chunk()).execute()
    const actual = ((await databaseBytes(storage)) / 1_048_576).toFixed(2)
    const times: number[] = []
    for (let round = 0; round < rounds; round++) {
      const started = performance.now()
      await storage.db
        .insertInto('blobs')
        .values({ data: new Uint8Array(100) })
        .execute()
      times.push(performance.now() - started)
    }
    await storage.close()
    times.sort((a, b) => a - b)
    results.push({
      name: `one-row commit into ${megabytes} MB (${actual} MB)`,
      subject: 'local-storage adapter',
      median: times[Math.floor(times.length / 2)] ?? Number.NaN,
      unit: 'ms',
      rounds,
    })
  }
  return results
}

async function databaseBytes(storage: { db: import('kysely').Kysely<CommitDB> }): Promise<number> {
  const size = await sql<{
    size: number
  }>`select page_count * page_size as size from pragma_page_count(), pragma_page_size()`.execute(storage.db)
  return size.rows[0]?.size ?? 0
}

/** Runs the commit-cost and density benchmarks; called by the runner through `page.evaluate`. */
async function runBenchmarks(): Promise<BenchResult[]> {
  const commits = await commitCost(30)
  localStorage.clear()
  const ours = await adapterRows()
  localStorage.clear()
  const json = jsonRows()
  localStorage.clear()
  return [
    ...commits,
    {
      name: 'items rows before the localStorage quota',
      subject: 'local-storage adapter',
      median: ours,
      unit: 'rows',
      rounds: 1,
    },
    {
      name: 'items rows before the localStorage quota',
      subject: 'one JSON string per row',
      median: json,
      unit: 'rows',
      rounds: 1,
    },
    { name: 'rows stored, adapter / JSON per row', subject: 'ratio', median: ours / json, unit: '×', rounds: 1 },
  ]
}

Object.assign(globalThis, { runBenchmarks })
