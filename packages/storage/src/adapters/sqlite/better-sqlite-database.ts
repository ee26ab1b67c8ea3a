/**
 * The part of a better-sqlite3 `Database` this adapter uses, typed structurally so the core never
 * imports the native package and any compatible handle can be passed in.
 */
export interface BetterSqliteDatabase {
  /** Compiles a statement. */
  prepare(sql: string): BetterSqliteStatement
  /** Runs a pragma, e.g. `foreign_keys = ON`. */
  pragma(source: string, options?: { simple?: boolean }): unknown
  /** Closes the database. */
  close(): unknown
  /** Whether the database is still open. */
  readonly open: boolean
  /** The database as the bytes of a SQLite file (better-sqlite3 7.1 and later). */
  serialize?(): Uint8Array
}

/** The part of a better-sqlite3 `Statement` this adapter uses. */
export interface BetterSqliteStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean
  /** Runs a statement that returns rows and returns all of them. */
  all(parameters: readonly unknown[]): unknown[]
  /** Runs a statement that returns no rows. */
  run(parameters: readonly unknown[]): BetterSqliteRunResult
  /** Runs a statement that returns rows and yields them one by one. */
  iterate(parameters: readonly unknown[]): IterableIterator<unknown>
  /** Makes the statement return rows as arrays (used to copy rows without naming columns twice). */
  raw?(toggle?: boolean): BetterSqliteStatement
  /** Makes the statement return integers as bigints, so none above 2^53 loses precision. */
  safeIntegers?(toggle?: boolean): BetterSqliteStatement
}

/** What better-sqlite3 reports after a write. */
export interface BetterSqliteRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number | bigint
  /** The rowid of the last inserted row. */
  lastInsertRowid: number | bigint
}
