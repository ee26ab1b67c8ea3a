import type { DatabaseConnection, QueryResult } from 'kysely'

/**
 * A connection that can run one statement many times in one call: an engine whose connection is
 * synchronous (better-sqlite3) binds and steps its prepared statement in a loop, with no promise
 * and no result object per run. Optional: `insertMany` uses it where a connection has it and
 * otherwise executes the statements one by one.
 */
export interface RepeatedStatementConnection extends DatabaseConnection {
  /**
   * Runs `sql` once per parameter set, in order, inside the transaction the caller holds open;
   * stops at the first failure, which it throws.
   *
   * @param sql - a statement that returns no rows
   * @param parameterSets - the parameters of each run, normalised
   * @returns the rows changed in all, and the rowid of the last insert
   */
  executeRepeated(sql: string, parameterSets: readonly (readonly unknown[])[]): Promise<QueryResult<never>>
}

/** Whether the connection can run one statement many times in one call. */
export function canExecuteRepeated(connection: DatabaseConnection): connection is RepeatedStatementConnection {
  return typeof (connection as Partial<RepeatedStatementConnection>).executeRepeated === 'function'
}
