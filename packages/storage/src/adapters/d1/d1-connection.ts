import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { UnsupportedOperationError } from '../../core/errors.js'
import { toD1Parameters, toQueryResult } from './d1-query-result.js'

/**
 * kysely-d1's connection, with its results brought to the shape the other adapters give. Its own
 * results carry `numUpdatedOrDeletedRows`, a field Kysely dropped in 0.23 and warns about on the
 * console ("outdated driver/plugin detected") whenever a result has it; the results returned here
 * are built afresh without it.
 */
export class D1Connection implements DatabaseConnection {
  readonly #inner: DatabaseConnection

  /** @param inner - a connection of kysely-d1's driver */
  constructor(inner: DatabaseConnection) {
    this.#inner = inner
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#inner.executeQuery({ ...query, parameters: toD1Parameters(query) })
    return toQueryResult<R>(query, { rows: result.rows, changes: result.numAffectedRows, lastRowId: result.insertId })
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
