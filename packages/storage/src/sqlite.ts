/**
 * The `sqlite` adapter: SQLite in Node through better-sqlite3.
 *
 * @module
 */
export type {
  BetterSqliteDatabase,
  BetterSqliteRunResult,
  BetterSqliteStatement,
} from './adapters/sqlite/better-sqlite-database.js'
export { type SqliteAdapterOptions, sqliteAdapter } from './adapters/sqlite/sqlite-adapter.js'
