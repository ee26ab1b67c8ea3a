import type { PreparedStatement } from '@sqlite.org/sqlite-wasm'
import {
  type CompiledQuery,
  type DatabaseConnection,
  DeleteQueryNode,
  InsertQueryNode,
  type QueryResult,
  SelectQueryNode,
  UpdateQueryNode,
} from 'kysely'
import { type DatabaseFileConnection, databasePageSize } from '../core/database-file.js'
import { StorageError } from '../core/errors.js'
import { writtenTables } from '../core/written-tables.js'
import { asCorruptStorageError } from './page-store-errors.js'
import type { MemoryFile } from './memory-file.js'
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
export class BrowserConnection implements DatabaseConnection, DatabaseFileConnection {
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
      // One insert, update or delete can run again if it turns out to have run on an old state, so
      // it need not catch up first (see WriteSession); anything else (a transaction, a schema
      // change, raw SQL) catches up before it runs.
      await session.begin({ catchUp: !runsAgainSafely(query) })
    }
    let outcome = this.#runStatement(statement, query)
    if (outcome.failure !== undefined && session.writing) outcome = await this.#againIfStale(outcome, statement, query)
    if (session.writing && database.inAutocommit && (await session.finish()) === 'stale') {
      outcome = this.#runAgain(statement, query)
      await session.finish()
    }
    if (outcome.failure !== undefined) throw outcome.failure
    return outcome.result as QueryResult<R>
  }

  /**
   * After a failed statement of a write begun without catching up: catches up, and runs it again
   * when another tab's commit came in, since it may have failed only on the old state (a row
   * another tab has since deleted, say). If catching up fails, the lock is given back (nothing of
   * the write is stored) and that failure is thrown.
   */
  async #againIfStale(
    outcome: StatementOutcome,
    statement: PreparedStatement,
    query: CompiledQuery,
  ): Promise<StatementOutcome> {
    let stale: boolean
    try {
      stale = await this.#session.catchUpWithinWrite()
    } catch (error) {
      if (this.#database.inAutocommit) await this.#session.finish()
      throw error
    }
    return stale ? this.#runAgain(statement, query) : outcome
  }

  /** Runs the statement again on pages another tab's commit replaced, which SQLite must not take from its cache. */
  #runAgain(statement: PreparedStatement, query: CompiledQuery): StatementOutcome {
    try {
      this.#database.forgetCachedPages()
    } catch (error) {
      return { failure: error }
    }
    return this.#runStatement(statement, query)
  }

  #runStatement(statement: PreparedStatement, query: CompiledQuery): StatementOutcome {
    try {
      const result = this.#database.run(statement, query.parameters)
      if (this.#session.writing) this.#session.noteWritten(writtenTables(query))
      return { result }
    } catch (error) {
      return { failure: asCorruptStorageError(this.#adapter, error) }
    }
  }

  close(): void {
    this.#database.close()
  }

  async exportDatabase(): Promise<Uint8Array> {
    await this.#session.catchUp()
    const { file } = this.#session
    const bytes = new Uint8Array(file.size)
    file.read(bytes, 0)
    return bytes
  }

  /**
   * Writes the file's pages over the database's as one write of the session, checks the result with
   * `quick_check` before storing it, and puts the pages back if the check fails: SQLite reads the new
   * content because the file change counter moves on, as it does after another tab's commit.
   */
  async importDatabase(bytes: Uint8Array): Promise<readonly string[]> {
    const session = this.#session
    const { file } = session
    const pageSize = databasePageSize(bytes)
    if (pageSize !== file.pageSize) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `the file's page size is ${pageSize} bytes and this database's is ${file.pageSize}; run \`pragma page_size = ${file.pageSize}; vacuum\` on the file first`,
        { adapter: this.#adapter },
      )
    }
    const before = this.#tableNames()
    await session.begin()
    let tables: string[]
    try {
      const replacement = withNextChangeCounter(bytes, file)
      file.write(replacement, 0)
      file.truncate(replacement.byteLength)
      const check = this.#run('pragma quick_check').map((row) => Object.values(row)[0])
      if (check.join() !== 'ok') throw new Error(`quick_check reported: ${check.join('; ')}`)
      tables = [...new Set([...before, ...this.#tableNames()])]
      session.noteWritten(tables)
    } catch (error) {
      file.revertChanges()
      await session.finish()
      throw new StorageError(
        'CORRUPT_STORAGE',
        `the file is not a SQLite database that can be imported: ${error instanceof Error ? error.message : String(error)}`,
        { adapter: this.#adapter, cause: error },
      )
    }
    await session.finish()
    return tables
  }

  #tableNames(): string[] {
    return this.#run(
      `select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'`,
    ).map((row) => String(row.name))
  }

  #run(sql: string): Record<string, unknown>[] {
    const database = this.#database
    return database.run(database.prepare(sql), []).rows as Record<string, unknown>[]
  }

  streamQuery<R>(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only select queries can be streamed')
    return this.#database.stream(query.sql, query.parameters, chunkSize) as AsyncIterableIterator<QueryResult<R>>
  }
}

/** What running a statement gave: its result, or what it threw. */
interface StatementOutcome {
  readonly result?: QueryResult<unknown>
  readonly failure?: unknown
}

/** Whether the query is one insert, update or delete built with Kysely, which may run a second time. */
function runsAgainSafely(query: CompiledQuery): boolean {
  const node = query.query
  return InsertQueryNode.is(node) || UpdateQueryNode.is(node) || DeleteQueryNode.is(node)
}

/**
 * A copy of `bytes` whose file change counter (header bytes 24–27) follows the one `file` holds, so
 * that SQLite drops what it cached of the old content. Bytes 92–95 follow along where they matched.
 */
function withNextChangeCounter(bytes: Uint8Array, file: MemoryFile): Uint8Array {
  const header = new Uint8Array(100)
  file.read(header, 0)
  const copy = bytes.slice()
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength)
  const counter = (new DataView(header.buffer).getUint32(24) + 1) >>> 0
  const validFor = view.getUint32(92) === view.getUint32(24)
  view.setUint32(24, counter)
  if (validFor) view.setUint32(92, counter)
  return copy
}
