import { type CompiledQuery, type DatabaseConnection, type QueryResult, SelectQueryNode } from 'kysely'
import { SqliteCommandDriver } from '../core/sqlite-command-driver.js'
import type { BrowserEngine } from './browser-engine.js'

/**
 * The Kysely driver of the browser engine: one connection, used by one query or transaction at a
 * time. Kysely's SQLite query compiler, adapter and introspector are used with it unchanged.
 */
export class BrowserDriver extends SqliteCommandDriver {
  readonly #engine: BrowserEngine
  readonly #connection: BrowserConnection

  /** @param engine - the engine to run queries on; opened by {@link BrowserDriver.init} */
  constructor(engine: BrowserEngine) {
    super()
    this.#engine = engine
    this.#connection = new BrowserConnection(engine)
  }

  init(): Promise<void> {
    return this.#engine.open()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#engine.acquire()
    return this.#connection
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A commit that failed to store has already put everything back; Kysely still rolls back.
    if (!this.#engine.inTransaction) return
    await super.rollbackTransaction(connection)
  }

  async releaseConnection(): Promise<void> {
    this.#engine.release()
  }

  destroy(): Promise<void> {
    return this.#engine.close()
  }
}

class BrowserConnection implements DatabaseConnection {
  readonly #engine: BrowserEngine

  constructor(engine: BrowserEngine) {
    this.#engine = engine
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.#engine.execute(query) as Promise<QueryResult<R>>
  }

  streamQuery<R>(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only select queries can be streamed')
    return this.#engine.stream(query, chunkSize) as AsyncIterableIterator<QueryResult<R>>
  }
}
