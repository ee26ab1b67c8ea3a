import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely'
import { StorageUnavailableError, UnsupportedOperationError } from '../../core/errors.js'
import { D1Connection } from './d1-connection.js'
import type { D1Database, D1PreparedStatement, D1Result } from './d1-database.js'
import { toD1Parameters, toQueryResult } from './d1-query-result.js'
import { isPlainInsertGuardFailure, plainInsertGuard, plainInserts } from './plain-inserts.js'
import { returnsRows } from './returns-rows.js'

/**
 * Reads SQLite's own count of the rows the statement before it changed. D1's `meta.changes` counts
 * the rows of cascades and triggers too; Kysely's SQLite driver reports `changes()`.
 */
const OWN_CHANGES = 'select changes() as changes'

/**
 * A Kysely driver for a D1 binding. Statements that return rows run through kysely-d1's driver;
 * what kysely-d1 lacks is added here: writes that report SQLite's own affected-row count (each
 * write is sent in one batch with a read of `changes()` after it: atomic, one round trip), atomic
 * batches through `D1Database.batch()`, and transactions refused with a pointer to them.
 */
export class D1Driver implements Driver {
  readonly #database: D1Database
  #inner: Driver | undefined
  #ownChanges: D1PreparedStatement | undefined
  /** Tables a plain-insert guard found triggers on: their inserts read `changes()` from then on. */
  readonly #tablesWithTriggers = new Set<string>()

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
    // One prepared statement serves every write: it binds nothing.
    this.#ownChanges = this.#database.prepare(OWN_CHANGES)
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const reads = await (this.#inner as Driver).acquireConnection()
    return new D1Connection(reads, (query) => this.#executeWrite(query))
  }

  /**
   * Runs the queries in ONE `D1Database.batch()` call: D1 applies all of them or none. Each write
   * is followed by a read of `changes()`, so that its result counts as SQLite does, except a plain
   * insert into a table without triggers, whose count D1 gives exactly (see {@link plainInserts}):
   * such a batch starts with a guard that fails it whole if a trigger says otherwise, and is then
   * sent again with every count read.
   */
  async executeBatch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const plain = plainInserts(queries, this.#tablesWithTriggers)
    if (plain) {
      try {
        return await this.#send(queries, plain.inserts, plainInsertGuard(plain.tables))
      } catch (error) {
        if (!isPlainInsertGuardFailure(error)) throw error
        for (const table of plain.tables) this.#tablesWithTriggers.add(table)
      }
    }
    return this.#send(queries, new Set(), undefined)
  }

  async #send(
    queries: readonly CompiledQuery[],
    countedByD1: ReadonlySet<CompiledQuery>,
    guard: { sql: string; parameters: string[] } | undefined,
  ): Promise<QueryResult<unknown>[]> {
    const readOwnChanges = this.#ownChanges as D1PreparedStatement
    const statements: D1PreparedStatement[] = []
    if (guard) statements.push(this.#database.prepare(guard.sql).bind(...guard.parameters))
    const counts = queries.map((query): Count => {
      statements.push(this.#database.prepare(query.sql).bind(...toD1Parameters(query)))
      if (returnsRows(query)) return 'none'
      if (countedByD1.has(query)) return 'd1'
      statements.push(readOwnChanges)
      return 'read'
    })
    const results = await this.#database.batch(statements)
    let next = guard ? 1 : 0
    return counts.map((count) => {
      const result = resultOf(results[next++])
      const ownChanges =
        count === 'read' ? ownChangesOf(resultOf(results[next++])) : count === 'd1' ? result.meta.changes : undefined
      return toQueryResult({
        rows: result.results ?? [],
        changes: result.meta.changes,
        ownChanges,
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

  async #executeWrite(query: CompiledQuery): Promise<QueryResult<unknown>> {
    const [result] = await this.executeBatch([query])
    return result as QueryResult<unknown>
  }
}

/** How a statement's affected rows are counted: not at all (it returns rows), by D1, or read from `changes()`. */
type Count = 'none' | 'd1' | 'read'

function resultOf(result: D1Result | undefined): D1Result {
  if (!result) throw new Error('D1 answered a batch with fewer results than statements')
  // Older D1 runtimes answered errors instead of throwing them.
  if (result.error) throw new Error(result.error)
  return result
}

function ownChangesOf(result: D1Result): number {
  const row = result.results?.[0] as { changes?: unknown } | undefined
  return Number(row?.changes ?? 0)
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
