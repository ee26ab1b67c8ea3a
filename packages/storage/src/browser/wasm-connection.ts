import type { BindingSpec, Database, PreparedStatement } from '@sqlite.org/sqlite-wasm'
import type { QueryResult } from 'kysely'
import { StorageError } from '../core/errors.js'
import { StatementCache } from '../core/statement-cache.js'
import type { MemoryFile } from './memory-file.js'
import { MemoryVfs } from './memory-vfs.js'
import { RawStatements } from './raw-statements.js'
import type { WasmSqlite } from './wasm-sqlite.js'

/** Options of {@link WasmConnection.open}. */
export interface WasmConnectionOptions {
  /** The adapter's name, for errors. */
  readonly adapter: string
  /** The database name; the file is registered under a name derived from it. */
  readonly name: string
}

/** Prepared statements kept for reuse. */
const STATEMENT_CACHE_SIZE = 256

let openedFiles = 0

/**
 * One sqlite-wasm database handle on a {@link MemoryFile}: prepares statements (kept in a
 * {@link StatementCache}), binds parameters as better-sqlite3 and D1 do, runs and streams them.
 * It knows nothing of where the pages are stored or of other tabs.
 */
export class WasmConnection {
  readonly #adapter: string
  readonly #sqlite: WasmSqlite
  readonly #vfs: MemoryVfs
  readonly #fileName: string
  readonly #database: Database
  readonly #statements: StatementCache<PreparedStatement>
  readonly #raw: RawStatements
  #closed = false

  private constructor(sqlite: WasmSqlite, vfs: MemoryVfs, fileName: string, adapter: string) {
    this.#sqlite = sqlite
    this.#vfs = vfs
    this.#fileName = fileName
    this.#adapter = adapter
    this.#database = new sqlite.oo1.DB({ filename: fileName, flags: 'c', vfs: vfs.name })
    const database = this.#database
    this.#raw = new RawStatements(sqlite)
    this.#statements = new StatementCache({
      capacity: STATEMENT_CACHE_SIZE,
      prepare: (sql) => database.prepare(sql),
      finalize: (statement) => statement.finalize(),
    })
  }

  /** Opens SQLite on `file`, registered with the module's memory VFS under a name of its own. */
  static open(sqlite: WasmSqlite, file: MemoryFile, options: WasmConnectionOptions): WasmConnection {
    const vfs = MemoryVfs.of(sqlite)
    const fileName = `${options.name}#${++openedFiles}`
    vfs.register(fileName, file)
    const connection = new WasmConnection(sqlite, vfs, fileName, options.adapter)
    // A memory journal keeps rollback working without a journal file: the store, not the journal,
    // is what makes commits durable. page_size only takes effect on a new, empty database.
    connection.#database.exec(
      `pragma page_size = ${file.pageSize}; pragma journal_mode = memory; pragma temp_store = memory; pragma foreign_keys = on`,
    )
    return connection
  }

  /**
   * Drops SQLite's page cache (`pragma shrink_memory`), so that it reads every page from the file
   * again. Needed after a write's pages were put back and another tab's loaded in their place: both
   * writes may have moved the file change counter to the same number, and SQLite, which checks that
   * counter to tell whether its cache is still valid, would otherwise keep the pages of its own
   * undone write. Only between statements.
   */
  forgetCachedPages(): void {
    this.#handle()
    this.#database.exec('pragma shrink_memory')
  }

  /** Whether no transaction is open. */
  get inAutocommit(): boolean {
    return this.#raw.inAutocommit(this.#handle())
  }

  /** The statement for `sql`, kept for reuse: run it before preparing another. */
  prepare(sql: string): PreparedStatement {
    this.#handle()
    return this.#statements.get(sql)
  }

  isReadOnly(statement: PreparedStatement): boolean {
    return this.#raw.isReadOnly(statement)
  }

  /** Runs a statement to its end: its rows, or the affected-row count and last insert rowid. */
  run(statement: PreparedStatement, parameters: readonly unknown[]): QueryResult<unknown> {
    const { capi } = this.#sqlite
    const handle = this.#handle()
    try {
      this.#bind(statement, parameters)
      if (this.#raw.columnCount(statement) > 0) {
        const rows: unknown[] = []
        while (this.#raw.step(statement, handle)) rows.push(this.#raw.row(statement))
        return { rows }
      }
      // As better-sqlite3 counts: `changes()` keeps the count of the last insert, update or delete,
      // so a statement that changed nothing (a schema statement) reports 0 instead.
      const before = capi.sqlite3_total_changes(handle)
      this.#raw.step(statement, handle)
      const changed = capi.sqlite3_total_changes(handle) !== before
      return {
        rows: [],
        numAffectedRows: BigInt(changed ? capi.sqlite3_changes(handle) : 0),
        insertId: BigInt(capi.sqlite3_last_insert_rowid(handle)),
      }
    } finally {
      this.#raw.reset(statement)
    }
  }

  /** Runs a read statement, yielding its rows in chunks; the caller holds the connection throughout. */
  async *stream(
    sql: string,
    parameters: readonly unknown[],
    chunkSize: number,
  ): AsyncIterableIterator<QueryResult<unknown>> {
    this.#handle()
    // A statement of its own: a cached one could be needed by another query between chunks.
    const statement = this.#database.prepare(sql)
    try {
      this.#bind(statement, parameters)
      let rows: unknown[] = []
      while (statement.step()) {
        rows.push(this.#raw.row(statement))
        if (rows.length >= chunkSize) {
          yield { rows }
          rows = []
        }
      }
      if (rows.length > 0) yield { rows }
    } finally {
      statement.finalize()
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#statements.clear()
    this.#database.close()
    this.#raw.dispose()
    this.#vfs.unregister(this.#fileName)
  }

  #handle(): number {
    if (this.#closed) {
      throw new StorageError('STORAGE_CLOSED', 'the database is closed', { adapter: this.#adapter })
    }
    return this.#database.pointer as number
  }

  /**
   * Binds parameters as better-sqlite3 and D1 do. sqlite-wasm binds every integral number outside
   * 32 bits as a 64-bit integer, which wraps silently beyond 2^63 (1e21 became 3875820019684212700);
   * an integral number beyond 2^53 is a double anyway, so it is bound as one. {@link RawStatements}
   * binds the common values that way itself; anything else goes through sqlite-wasm's `bind`.
   */
  #bind(statement: PreparedStatement, parameters: readonly unknown[]): void {
    if (parameters.length === 0 || this.#raw.bind(statement, parameters)) return
    statement.bind(parameters as BindingSpec)
    const { capi } = this.#sqlite
    for (let index = 0; index < parameters.length; index++) {
      const value = parameters[index]
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        capi.sqlite3_bind_double(statement.pointer as number, index + 1, value)
      }
    }
  }
}
