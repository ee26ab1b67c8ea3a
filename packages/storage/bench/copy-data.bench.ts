// copyData throughput: 100,000 rows of a 6-column inventory table copied from a `sqlite` database
// (better-sqlite3, in memory) into `indexeddb` (fake-indexeddb in Node) and into `d1` (Miniflare's
// real D1, driven from Node through its binding proxy). One run each, rows per second. Run alone
// with `npx tsx bench/copy-data.bench.ts`: it is heavy and not part of `pnpm bench`.
import { IDBFactory } from 'fake-indexeddb'
import { type Kysely, sql } from 'kysely'
import { Miniflare } from 'miniflare'
import { d1Adapter } from '../src/d1.js'
import { copyData, createStorage, type StorageProvider } from '../src/index.js'
import { InPageLockManager, indexedDbAdapter } from '../src/indexeddb.js'
import { sqliteAdapter } from '../src/sqlite.js'

const ROWS = 100_000

interface BenchDB {
  items: { id: number; sku: string; name: string; quantity: number; unit_cost: number | null; note: string | null }
}

async function createSchema(db: Kysely<BenchDB>): Promise<void> {
  await sql`create table items (
    id integer primary key, sku text not null unique, name text not null,
    quantity integer not null, unit_cost real, note text)`.execute(db)
}

async function filledSource(): Promise<StorageProvider<BenchDB>> {
  const source = await createStorage<BenchDB>({ adapters: sqliteAdapter() })
  await createSchema(source.db)
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    id: i + 1,
    sku: `SKU-${String(i).padStart(6, '0')}`,
    name: `Item ${i} 📦`,
    quantity: i % 500,
    unit_cost: i % 7 === 0 ? null : (i % 1000) / 8,
    note: i % 3 === 0 ? null : `note ${i}`,
  }))
  await source.transaction(async (trx) => {
    for (let start = 0; start < rows.length; start += 5000) {
      await trx
        .insertInto('items')
        .values(rows.slice(start, start + 5000))
        .execute()
    }
  })
  return source
}

async function measure(name: string, source: StorageProvider<BenchDB>, target: StorageProvider<BenchDB>) {
  await createSchema(target.db)
  const started = performance.now()
  const report = await copyData(source, target)
  const seconds = (performance.now() - started) / 1000
  const count = await target.db
    .selectFrom('items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  if (Number(count.n) !== ROWS) throw new Error(`${name}: ${count.n} rows arrived instead of ${ROWS}`)
  return {
    copy: name,
    rows: report.rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(ROWS / seconds),
    atomic: report.atomic,
  }
}

const source = await filledSource()
const results = []

const indexedDb = await createStorage<BenchDB>({
  adapters: indexedDbAdapter({ name: 'copy-bench', indexedDB: new IDBFactory(), locks: new InPageLockManager() }),
})
results.push(await measure('sqlite → indexeddb (fake-indexeddb)', source, indexedDb))
await indexedDb.close()

const miniflare = new Miniflare({
  modules: true,
  script: 'export default { fetch: () => new Response(null, { status: 404 }) }',
  d1Databases: ['DB'],
})
try {
  const d1 = await createStorage<BenchDB>({ adapters: d1Adapter({ database: await miniflare.getD1Database('DB') }) })
  results.push(await measure('sqlite → d1 (Miniflare, from Node)', source, d1))
  await d1.close()
} finally {
  await miniflare.dispose()
  await source.close()
}
console.table(results)
