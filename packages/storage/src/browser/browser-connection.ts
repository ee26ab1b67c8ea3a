import type { PreparedStatement } from '@sqlite.org/sqlite-wasm'
import { type CompiledQuery, type DatabaseConnection, type QueryResult, SelectQueryNode } from 'kysely'
import { writtenTables } from '../core/written-tables.js'
import { asCorruptStorageError } from './page-store-errors.js'
import type { WasmConnection } from './wasm-connection.js'
import type { WriteSession } from './write-session.js'

/** A statement that starts a transaction while the connection is in autocommit mode. */
const STARTS_TRANSACTION = /^\s*(begin|savepoint)\b/i

/**
 * The Kysely connection of the browser adapters: runs each statement on the {@link WasmConnection},
 * and a write (a statement that writes, or a transaction from its `begin`) inside the
 * {@link WriteSession}, which is finished, and the changed pages stored, as soon as the connection
 * is back in autocommit mode. Used by one query or transaction at a time (the driver's mutex).
 */
export class BrowserConnection implements DatabaseConnection {
  readonly #database: WasmConnection
  readonly #session: WriteSession
  readonly #adapter: string

  constructor(database: WasmConnection, session: WriteSession, adapter: string) {
    this.#database = database
    this.#session = session
    this.#adapter = adapter
  }

  get inTransaction(): boolean {
    return !this.#database.inAutocommit
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const database = this.#database
    const session = this.#session
    const inAutocommit = database.inAutocommit
    let statement: PreparedStatement
    try {
      statement = database.prepare(query.sql)
    } catch (error) {
      if (!inAutocommit) throw asCorruptStorageError(this.#adapter, error)
      // The statement may name a table another tab has just created: catch up, then try once more.
      await session.catchUp()
      statement = database.prepare(query.sql)
    }
    if (inAutocommit && (!database.isReadOnly(statement) || STARTS_TRANSACTION.test(query.sql))) {
      await session.begin()
    }
    let result: QueryResult<unknown> | undefined
    let failure: unknown
    try {
      result = database.run(statement, query.parameters)
      if (session.writing) session.noteWritten(writtenTables(query))
    } catch (error) {
      failure = asCorruptStorageError(this.#adapter, error)
    }
    if (session.writing && database.inAutocommit) await session.finish()
    if (failure !== undefined) throw failure
    return result as QueryResult<R>
  }

  close(): void {
    this.#database.close()
  }

  streamQuery<R>(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only select queries can be streamed')
    return this.#database.stream(query.sql, query.parameters, chunkSize) as AsyncIterableIterator<QueryResult<R>>
  }
}
