import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { UnsupportedOperationError } from '../../core/errors.js'
import { toD1Parameters, toQueryResult } from './d1-query-result.js'
import { returnsRows } from './returns-rows.js'

/**
 * A connection to D1 whose results have the shape Kysely's SQLite driver gives. Statements that
 * return rows run on kysely-d1's connection, with its results rebuilt: they carry
 * `numUpdatedOrDeletedRows`, a field Kysely dropped in 0.23 and warns about on the console
 * ("outdated driver/plugin detected"), and a stale `insertId`. Writes go to `executeWrite`, which
 * counts the rows they change as SQLite does.
 */
export class D1Connection implements DatabaseConnection {
  readonly #reads: DatabaseConnection
  readonly #executeWrite: (query: CompiledQuery) => Promise<QueryResult<unknown>>

  /**
   * @param reads - a connection of kysely-d1's driver
   * @param executeWrite - runs a statement that returns no rows
   */
  constructor(reads: DatabaseConnection, executeWrite: (query: CompiledQuery) => Promise<QueryResult<unknown>>) {
    this.#reads = reads
    this.#executeWrite = executeWrite
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!returnsRows(query)) return (await this.#executeWrite(query)) as QueryResult<R>
    const result = await this.#reads.executeQuery({ ...query, parameters: toD1Parameters(query) })
    return toQueryResult<R>({ rows: result.rows, changes: undefined, ownChanges: undefined, lastRowId: undefined })
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new UnsupportedOperationError(
      'D1 cannot stream query results; use execute(), paginating with limit and offset',
      {
        adapter: 'd1',
      },
    )
  }
}
