/**
 * The part of a better-sqlite3 `Database` this adapter uses, typed structurally so the core never
 * imports the native package and any compatible handle can be passed in.
 */
export interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement
  pragma(source: string, options?: { simple?: boolean }): unknown
  close(): unknown
  readonly open: boolean
  readonly inTransaction: boolean
}

/** The part of a better-sqlite3 `Statement` this adapter uses. */
export interface BetterSqliteStatement {
  readonly reader: boolean
  all(parameters: readonly unknown[]): unknown[]
  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  iterate(parameters: readonly unknown[]): IterableIterator<unknown>
}
