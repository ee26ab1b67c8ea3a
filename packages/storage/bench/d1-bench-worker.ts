// The Worker that d1.bench.ts runs in workerd, so that both ways of inserting reach D1 through
// the binding as in production, not through Miniflare's Node proxy. Each request does one thing
// and answers with what reached D1; `?rows=N` inserts the first N rows instead of all 10,000.
import type { Generated } from 'kysely'
import { type D1Database, d1Adapter } from '../src/d1.js'
import { createStorage } from '../src/index.js'
import { CountingD1Database } from '../test/support/counting-d1-database.js'

interface BenchDB {
  readings: { id: Generated<number>; sensor: string; value: number; flag: number; taken: string }
}

const ROWS = 10_000
/** As many 4-column rows as D1's 100 bound parameters allow. */
const ROWS_PER_STATEMENT = 25

type Reading = Omit<BenchDB['readings'], 'id'>

const allRows: Reading[] = Array.from({ length: ROWS }, (_, index) => ({
  sensor: `sensor-${index}`,
  value: index / 4,
  flag: index % 2,
  taken: '2026-11-28T12:00:00.000Z',
}))

/** The fastest way to write the rows by hand: 25-row prepared inserts, all in one batch. */
async function insertByHand(database: D1Database, rows: readonly Reading[]): Promise<void> {
  const statements = []
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT)
    const placeholders = chunk.map(() => '(?, ?, ?, ?)').join(', ')
    const values = chunk.flatMap((row) => [row.sensor, row.value, row.flag, row.taken])
    statements.push(
      database.prepare(`insert into readings (sensor, value, flag, taken) values ${placeholders}`).bind(...values),
    )
  }
  await database.batch(statements)
}

async function insertWithAdapter(database: D1Database, rows: readonly Reading[]): Promise<void> {
  const storage = await createStorage<BenchDB>({ adapters: d1Adapter({ database }) })
  await storage.db.insertInto('readings').values(rows).execute()
}

async function insertManyWithAdapter(database: D1Database, rows: readonly Reading[]): Promise<void> {
  const storage = await createStorage<BenchDB>({ adapters: d1Adapter({ database }) })
  await storage.insertMany('readings', rows)
}

export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const counting = new CountingD1Database(env.DB)
    const url = new URL(request.url)
    const rows = allRows.slice(0, Number(url.searchParams.get('rows') ?? ROWS))
    switch (url.pathname) {
      case '/setup':
        await env.DB.prepare(
          'create table readings (id integer primary key, sensor text not null unique, value real not null, flag integer not null, taken text not null)',
        ).all()
        break
      case '/empty':
        await env.DB.prepare('delete from readings').all()
        break
      case '/adapter':
        await insertWithAdapter(counting, rows)
        break
      case '/insert-many':
        await insertManyWithAdapter(counting, rows)
        break
      case '/by-hand':
        await insertByHand(counting, rows)
        break
      default:
        return new Response('not found', { status: 404 })
    }
    const stored = await env.DB.prepare('select count(*) as count from readings').all()
    return Response.json({
      statements: counting.statements,
      roundTrips: counting.roundTrips,
      stored: stored.results?.[0],
    })
  },
}
