import Database from 'better-sqlite3'
import { pathToFileURL } from 'node:url'
import { Kysely, SqliteDialect } from 'kysely'
import { createStorage, type Placeholders } from '../src/index.js'
import { sqliteAdapter } from '../src/sqlite.js'
import { type ComparisonResult, compare, type InsertThroughput, printResults } from './measure.js'

interface BenchDB {
  items: { id: number; sku: string; name: string; quantity: number; price: number }
}

const ROWS = 10_000
const rows = Array.from({ length: ROWS }, (_, index) => ({
  id: index + 1,
  sku: `SKU-${index}`,
  name: `Item number ${index}`,
  quantity: index % 100,
  price: index / 7,
}))
const CREATE_ITEMS =
  'create table if not exists items (id integer primary key, sku text not null unique, name text not null, quantity integer not null, price real not null)'

/**
 * The sqlite adapter against raw better-sqlite3 (and plain Kysely over it, for reference):
 * point select by primary key, and inserting 10,000 rows.
 */
export async function runSqliteBenchmarks(): Promise<ComparisonResult[]> {
  const raw = new Database(':memory:')
  raw.exec(CREATE_ITEMS)
  const storage = await createStorage<BenchDB>({ adapters: sqliteAdapter() })
  await storage.db.executeQuery({ sql: CREATE_ITEMS, parameters: [], query: { kind: 'RawNode' } } as never)
  const plainDatabase = new Database(':memory:')
  plainDatabase.exec(CREATE_ITEMS)
  const plain = new Kysely<BenchDB>({ dialect: new SqliteDialect({ database: plainDatabase }) })

  const rawInsert = raw.prepare('insert into items (id, sku, name, quantity, price) values (?, ?, ?, ?, ?)')
  const rawInsertAll = raw.transaction((batch: typeof rows) => {
    for (const row of batch) rawInsert.run(row.id, row.sku, row.name, row.quantity, row.price)
  })
  rawInsertAll(rows)
  await storage.db.insertInto('items').values(rows).execute()
  await plain.insertInto('items').values(rows.slice(0, 6000)).execute()
  await plain.insertInto('items').values(rows.slice(6000)).execute()

  const rawSelect = raw.prepare('select * from items where id = ?')
  let next = 0
  const nextId = () => (next = (next % ROWS) + 1)

  // Point selects are timed 100 at a time: one select costs a few microseconds, less than the
  // benchmark harness spends awaiting one async task, which would otherwise be billed to the
  // async subject and not to the synchronous baseline.
  const POINT_SELECTS = 100
  const itemById = storage.prepare((db, $: Placeholders<{ id: number }>) =>
    db.selectFrom('items').selectAll().where('id', '=', $('id')),
  )
  const rawSelects = () => {
    for (let i = 0; i < POINT_SELECTS; i++) rawSelect.get(nextId())
  }
  const results = await compare([
    {
      name: 'point select by primary key',
      subject: {
        label: 'sqlite adapter',
        run: async () => {
          for (let i = 0; i < POINT_SELECTS; i++)
            await storage.db.selectFrom('items').selectAll().where('id', '=', nextId()).executeTakeFirst()
        },
      },
      baseline: { label: 'better-sqlite3 prepared', run: rawSelects },
      target: 3,
    },
    {
      name: 'prepared point select by primary key',
      subject: {
        label: 'sqlite adapter prepare()',
        run: async () => {
          for (let i = 0; i < POINT_SELECTS; i++) await itemById.executeTakeFirst({ id: nextId() })
        },
      },
      baseline: { label: 'better-sqlite3 prepared', run: rawSelects },
      target: 1.5,
    },
    {
      name: 'point select, plain Kysely (reference)',
      subject: {
        label: 'Kysely SqliteDialect',
        run: async () => {
          for (let i = 0; i < POINT_SELECTS; i++)
            await plain.selectFrom('items').selectAll().where('id', '=', nextId()).executeTakeFirst()
        },
      },
      baseline: { label: 'better-sqlite3 prepared', run: rawSelects },
    },
    {
      name: `insert ${ROWS.toLocaleString('en')} rows`,
      subject: {
        label: 'sqlite adapter multi-row insert',
        beforeEach: () => storage.db.deleteFrom('items').execute(),
        run: () => storage.db.insertInto('items').values(rows).execute(),
      },
      baseline: {
        label: 'better-sqlite3 in a transaction',
        beforeEach: () => raw.exec('delete from items'),
        run: () => rawInsertAll(rows),
      },
    },
    {
      name: `insert ${ROWS.toLocaleString('en')} rows, fast path`,
      subject: {
        label: 'sqlite adapter insertMany()',
        beforeEach: () => storage.db.deleteFrom('items').execute(),
        run: () => storage.insertMany('items', rows),
      },
      baseline: {
        label: 'better-sqlite3 in a transaction',
        beforeEach: () => raw.exec('delete from items'),
        run: () => rawInsertAll(rows),
      },
      target: 1.3,
    },
  ])
  await storage.close()
  await plain.destroy()
  raw.close()
  return results
}

/**
 * How insert throughput grows with the batch size: one multi-row insert through the adapter
 * against one better-sqlite3 transaction of prepared inserts, each into an emptied table, median
 * of the rounds.
 */
export async function runSqliteInsertScaling(batchSizes = [1, 10, 100, 1_000, 10_000]): Promise<InsertThroughput[]> {
  const raw = new Database(':memory:')
  raw.exec(CREATE_ITEMS)
  const rawInsert = raw.prepare('insert into items (id, sku, name, quantity, price) values (?, ?, ?, ?, ?)')
  const rawInsertAll = raw.transaction((batch: typeof rows) => {
    for (const row of batch) rawInsert.run(row.id, row.sku, row.name, row.quantity, row.price)
  })
  const storage = await createStorage<BenchDB>({ adapters: sqliteAdapter() })
  await storage.db.executeQuery({ sql: CREATE_ITEMS, parameters: [], query: { kind: 'RawNode' } } as never)
  const results: InsertThroughput[] = []
  for (const batchSize of batchSizes) {
    const batch = rows.slice(0, batchSize)
    const rounds = Math.max(5, Math.min(200, Math.ceil(20_000 / batchSize)))
    const adapterMs: number[] = []
    const rawMs: number[] = []
    for (let round = 0; round < rounds; round++) {
      await storage.db.deleteFrom('items').execute()
      let start = performance.now()
      await storage.db.insertInto('items').values(batch).execute()
      adapterMs.push(performance.now() - start)
      raw.exec('delete from items')
      start = performance.now()
      rawInsertAll(batch)
      rawMs.push(performance.now() - start)
    }
    results.push({
      batchSize,
      adapterRowsPerSecond: (batchSize / median(adapterMs)) * 1000,
      rawRowsPerSecond: (batchSize / median(rawMs)) * 1000,
    })
  }
  await storage.close()
  raw.close()
  return results
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults('sqlite adapter vs better-sqlite3', await runSqliteBenchmarks())
}
