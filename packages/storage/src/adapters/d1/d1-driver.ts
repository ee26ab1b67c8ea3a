import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely'
import { StorageUnavailableError, UnsupportedOperationError } from '../../core/errors.js'
import { D1Connection } from './d1-connection.js'
import type { D1Database } from './d1-database.js'
import { toD1Parameters, toQueryResult } from './d1-query-result.js'

/**
 * A Kysely driver for a D1 binding: single queries run through kysely-d1's driver (its results
 * reshaped by {@link D1Connection}); what kysely-d1 lacks is added here: atomic batches through
 * `D1Database.batch()`, and transactions refused with a pointer to them.
 */
export class D1Driver implements Driver {
  readonly #database: D1Database
  #inner: Driver | undefined

  /** @param database - the D1 binding */
  constructor(database: D1Database) {
    this.#database = database
  }

  async init(): Promise<void> {
    const { D1Dialect } = await loadKyselyD1()
    // kysely-d1 types the binding as Workers' whole D1Database class; it only calls prepare/bind/all,
    // which our structural D1Database has.
    this.#inner = new D1Dialect({ database: this.#database as never }).createDriver()
    await this.#inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new D1Connection(await (this.#inner as Driver).acquireConnection())
  }

  /** Runs the queries in ONE `D1Database.batch()` call: D1 applies all of them or none. */
  async executeBatch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const statements = queries.map((query) => this.#database.prepare(query.sql).bind(...toD1Parameters(query)))
    const results = await this.#database.batch(statements)
    return results.map((result, index) => {
      if (result.error) throw new Error(result.error)
      return toQueryResult(queries[index] as CompiledQuery, {
        rows: result.results ?? [],
        changes: result.meta.changes,
        lastRowId: result.meta.last_row_id,
      })
    })
  }

  beginTransaction(): Promise<void> {
    return Promise.reject(
      new UnsupportedOperationError(
        'D1 cannot hold a transaction open across calls; build the queries first and run them atomically with provider.batch([...])',
        { adapter: 'd1' },
      ),
    )
  }

  // Never reached: every transaction is refused in beginTransaction.
  commitTransaction(): Promise<void> {
    return this.beginTransaction()
  }

  rollbackTransaction(): Promise<void> {
    return this.beginTransaction()
  }

  async releaseConnection(): Promise<void> {}

  /** The binding belongs to the Workers runtime; there is nothing to close. */
  async destroy(): Promise<void> {}
}

type KyselyD1 = typeof import('kysely-d1')

async function loadKyselyD1(): Promise<KyselyD1> {
  try {
    return await import('kysely-d1')
  } catch (error) {
    throw new StorageUnavailableError('kysely-d1 could not be loaded; install it with `npm install kysely-d1`', {
      adapter: 'd1',
      cause: error,
    })
  }
}
