/**
 * Density of the local-storage adapter, run in the page by `pnpm bench:browser local-storage`: how
 * many rows of a typical items table fit in localStorage before the quota, stored by the adapter
 * and stored as one JSON string per row, measured one after the other in the same page.
 */
import { sql } from 'kysely'
import { createStorage, StorageQuotaError } from '../src/index.js'
import { localStorageAdapter } from '../src/local-storage.js'
import type { BenchResult } from './indexeddb.bench.js'

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

/** Runs the density comparison; called by the runner through `page.evaluate`. */
async function runBenchmarks(): Promise<BenchResult[]> {
  localStorage.clear()
  const ours = await adapterRows()
  localStorage.clear()
  const json = jsonRows()
  localStorage.clear()
  return [
    { name: 'items rows before the localStorage quota', subject: 'local-storage adapter', median: ours, unit: 'rows', rounds: 1 },
    { name: 'items rows before the localStorage quota', subject: 'one JSON string per row', median: json, unit: 'rows', rounds: 1 },
    { name: 'rows stored, adapter / JSON per row', subject: 'ratio', median: ours / json, unit: '×', rounds: 1 },
  ]
}

Object.assign(globalThis, { runBenchmarks })
