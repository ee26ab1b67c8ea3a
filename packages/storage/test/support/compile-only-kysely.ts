import { DummyDriver, Kysely } from 'kysely'
import { sqliteDialect } from '../../src/core/sqlite-dialect.js'

/** A Kysely on SQLite's dialect that compiles queries and never runs them. */
export function compileOnlyKysely<DB = any>(): Kysely<DB> {
  return new Kysely<DB>({ dialect: sqliteDialect({ driver: new DummyDriver() }) })
}
