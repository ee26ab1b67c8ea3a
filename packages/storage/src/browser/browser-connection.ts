import type { PreparedStatement } from '@sqlite.org/sqlite-wasm'
import { type CompiledQuery, type DatabaseConnection, type QueryResult, SelectQueryNode } from 'kysely'
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
