import Database from 'better-sqlite3'
import { Kysely, type LogEvent, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  batchedQueries,
  describeLogEvent,
  expectedBatchResults,
  expectedIntrospection,
  expectedLoggedQueries,
  expectedLoggedTransactions,
  expectedResultShapes,
  introspection,
  loggedQueries,
  loggedTransactions,
  resultShapes,
} from './kysely-reference.js'
import { type ConformanceDB, conformanceMigrations } from './schema.js'

/** Kysely's stock SQLite dialect on better-sqlite3, migrated by Kysely's own Migrator. */
async function stockKysely(events: LogEvent[] = []): Promise<Kysely<ConformanceDB>> {
  const database = new Database(':memory:')
  database.pragma('foreign_keys = ON')
  const db = new Kysely<ConformanceDB>({
    dialect: new SqliteDialect({ database }),
    log: (event) => {
      events.push(event)
    },
  })
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => conformanceMigrations },
  }).migrateToLatest()
  if (error) throw error
  events.length = 0
  return db
}

// The conformance suite holds every adapter to these values; here they are checked against the
// dialect they describe.
describe("the reference: Kysely's stock SqliteDialect on better-sqlite3", () => {
  it('gives the expected results, keys and values alike', async () => {
    const db = await stockKysely()
    expect(await resultShapes(db)).toStrictEqual(expectedResultShapes)
    await db.destroy()
  })

  it('gives the expected results for the batched queries, run one by one', async () => {
    const db = await stockKysely()
    const results = []
    for (const query of batchedQueries(db)) results.push(await db.executeQuery(query))
    expect(results).toStrictEqual(expectedBatchResults)
    await db.destroy()
  })

  it('gives the expected introspection metadata', async () => {
    const db = await stockKysely()
    expect(await introspection(db)).toStrictEqual(expectedIntrospection)
    await db.destroy()
  })

  it('logs the expected events, transaction statements included', async () => {
    const events: LogEvent[] = []
    const db = await stockKysely(events)
    await loggedQueries(db)
    expect(events.map(describeLogEvent)).toEqual(expectedLoggedQueries)
    events.length = 0
    await loggedTransactions(db)
    expect(events.map(describeLogEvent)).toEqual(expectedLoggedTransactions)
    await db.destroy()
  })
})
