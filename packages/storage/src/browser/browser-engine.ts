import type { BindingSpec, Database, PreparedStatement } from '@sqlite.org/sqlite-wasm'
import type { CompiledQuery, QueryResult } from 'kysely'
import { ConnectionMutex } from '../core/connection-mutex.js'
import { StorageError } from '../core/errors.js'
import { writtenTables } from '../core/written-tables.js'
import { InPageLockManager } from './in-page-lock-manager.js'
import { MemoryFile } from './memory-file.js'
import { MemoryVfs } from './memory-vfs.js'
import type { PageStore, StoredDatabase } from './page-store.js'
import {
  browserChangeChannel,
  browserLockManager,
  type ChangeChannel,
  parseAnnouncement,
  type WebLockManager,
} from './tab-coordination.js'
import { loadWasmSqlite, type WasmLocation, type WasmSqlite } from './wasm-sqlite.js'

/** Options of {@link BrowserEngine}. */
export interface BrowserEngineOptions extends WasmLocation {
  /** The adapter's name, for errors. */
  adapter: string
  /** Names the Web Lock and the BroadcastChannel every tab of this database shares. */
  name: string
  /** Where the pages live. */
  store: PageStore
  /** Page size of a new database (default 4096); an existing one keeps its own. */
  pageSize?: number | undefined
  /** Lock manager for writers (default `navigator.locks`, or a lock within this page where it is missing). */
  locks?: WebLockManager | undefined
  /** Opens the channel commits are announced on (default a `BroadcastChannel` of the given name). */
  createChannel?: ((name: string) => ChangeChannel | undefined) | undefined
}

/** A statement that starts a transaction while the connection is in autocommit mode. */
const STARTS_TRANSACTION = /^\s*(begin|savepoint)\b/i
/** SQLite's file header, the first 16 bytes of page 1. */
const SQLITE_HEADER = 'SQLite format 3\0'
/** Prepared statements kept for reuse, least recently used dropped first. */
const STATEMENT_CACHE_SIZE = 256
/** Bytes per page of a new database unless told otherwise. */
const DEFAULT_PAGE_SIZE = 4096

let openedFiles = 0

/**
 * SQLite (WASM) on a {@link MemoryFile}, made durable by a {@link PageStore} and safe across tabs.
 *
 * - A write runs under the database's Web Lock: the engine first catches up with pages other tabs
 *   committed, runs the statement (or the whole transaction, from `begin`), and when the connection
 *   is back in autocommit mode stores the pages the commit changed in one store commit. The write
 *   resolves after that; if storing fails, the file's pages go back to the last stored state, so
 *   memory and store agree again, and the write rejects.
 * - After a commit it announces `{ version, tables }`; other engines catch up with the pages
 *   committed since their version and report the tables as remote changes.
 * - SQLite notices replaced pages through the file change counter, which it rereads whenever it
 *   takes a shared lock, and then drops its page cache.
 *
 * Queries are executed one at a time: callers hold {@link BrowserEngine.acquire} around them.
 */
export class BrowserEngine {
  readonly #options: BrowserEngineOptions
  readonly #mutex = new ConnectionMutex()
  readonly #statements = new Map<string, PreparedStatement>()
  readonly #remoteListeners = new Set<(tables: readonly string[]) => void>()
  readonly #pendingTables = new Set<string>()
  #sqlite: WasmSqlite | undefined
  #database: Database | undefined
  #vfs: MemoryVfs | undefined
  #file: MemoryFile | undefined
  #fileName = ''
  #version = 0
  #storedPageCount = 0
  #channel: ChangeChannel | undefined
  #releaseWriteLock: (() => void) | undefined
  #closed = false

  /** @param options - the store, the database name and the tab coordination to use */
  constructor(options: BrowserEngineOptions) {
    this.#options = options
  }

  /** Loads WASM SQLite and the stored pages, then opens the database on them. */
  async open(): Promise<void> {
    const sqlite = await loadWasmSqlite(this.#options, this.#options.adapter)
    const stored = await this.#options.store.open()
    this.#assertValid(stored)
    const pageSize = stored.pageCount > 0 ? stored.pageSize : (this.#options.pageSize ?? DEFAULT_PAGE_SIZE)
    const file = new MemoryFile(pageSize)
    file.load(stored.pages, stored.pageCount)
    this.#vfs = MemoryVfs.of(sqlite)
    this.#fileName = `${this.#options.name}#${++openedFiles}`
    this.#vfs.register(this.#fileName, file)
    this.#sqlite = sqlite
    this.#file = file
    this.#version = stored.version
    this.#storedPageCount = stored.pageCount
    this.#database = new sqlite.oo1.DB({ filename: this.#fileName, flags: 'c', vfs: this.#vfs.name })
    // A memory journal keeps rollback working without a journal file: the store, not the journal,
    // is what makes commits durable. page_size only takes effect on a new, empty database.
    this.#database.exec(
      `pragma page_size = ${pageSize}; pragma journal_mode = memory; pragma temp_store = memory; pragma foreign_keys = on`,
    )
    const channel = (this.#options.createChannel ?? browserChangeChannel)(this.#channelName)
    channel?.addEventListener('message', this.#onMessage)
    this.#channel = channel
  }

  /** Waits for exclusive use of the connection. */
  acquire(): Promise<void> {
    return this.#mutex.lock()
  }

  /** Ends the exclusive use taken with {@link BrowserEngine.acquire}. */
  release(): void {
    this.#mutex.unlock()
  }

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    const database = this.#open()
    return (this.#sqlite as WasmSqlite).capi.sqlite3_get_autocommit(database) === 0
  }

  /**
   * Runs one statement. A write first takes the database's lock and catches up with other tabs;
   * once the connection is back in autocommit mode the changed pages are stored before this resolves.
   *
   * @param query - the compiled statement
   */
  async execute(query: CompiledQuery): Promise<QueryResult<unknown>> {
    const database = this.#open()
    const { capi } = this.#sqlite as WasmSqlite
    const inAutocommit = capi.sqlite3_get_autocommit(database) !== 0
    let statement: PreparedStatement
    try {
      statement = this.#prepare(query.sql)
    } catch (error) {
      if (!inAutocommit) throw this.#mapCorruption(error)
      // The statement may name a table another tab has just created: catch up, then try once more.
      await this.#catchUpUnderLock()
      statement = this.#prepare(query.sql)
    }
    if (inAutocommit && (!capi.sqlite3_stmt_readonly(statement) || STARTS_TRANSACTION.test(query.sql))) {
      await this.#beginWrite()
    }
    let result: QueryResult<unknown> | undefined
    let failure: unknown
    try {
      result = this.#run(statement, query.parameters)
      if (this.#releaseWriteLock) for (const table of writtenTables(query)) this.#pendingTables.add(table)
    } catch (error) {
      failure = this.#mapCorruption(error)
    }
    if (this.#releaseWriteLock && capi.sqlite3_get_autocommit(database) !== 0) await this.#finishWrite()
    if (failure !== undefined) throw failure
    return result as QueryResult<unknown>
  }

  /**
   * Runs a read statement, yielding its rows in chunks. The caller holds the connection throughout.
   *
   * @param query - the compiled select
   * @param chunkSize - rows per yielded result
   */
  async *stream(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<unknown>> {
    this.#open()
    // A statement of its own: a cached one could be needed by another query between chunks.
    const statement = (this.#database as Database).prepare(query.sql)
    try {
      this.#bind(statement, query.parameters)
      let rows: unknown[] = []
      while (statement.step()) {
        rows.push(statement.get({}))
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

  /**
   * Calls `listener` with the tables of each commit another tab announces, after this engine has
   * caught up with it.
   *
   * @param listener - receives the tables the other tab wrote
   * @returns the unsubscribe function
   */
  onRemoteChange(listener: (tables: readonly string[]) => void): () => void {
    this.#remoteListeners.add(listener)
    return () => {
      this.#remoteListeners.delete(listener)
    }
  }

  /** Closes the database, the channel and the store. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#channel?.removeEventListener('message', this.#onMessage)
    this.#channel?.close()
    this.#remoteListeners.clear()
    for (const statement of this.#statements.values()) statement.finalize()
    this.#statements.clear()
    this.#database?.close()
    this.#vfs?.unregister(this.#fileName)
    await this.#options.store.close()
  }

  get #locks(): WebLockManager {
    return this.#options.locks ?? browserLockManager() ?? fallbackLocks
  }

  get #channelName(): string {
    return `@inventory/storage:${this.#options.adapter}:${this.#options.name}`
  }

  #open(): number {
    if (this.#closed || !this.#database) {
      throw new StorageError('STORAGE_CLOSED', 'the database is closed', { adapter: this.#options.adapter })
    }
    return this.#database.pointer as number
  }

  #prepare(sql: string): PreparedStatement {
    const cached = this.#statements.get(sql)
    if (cached) {
      this.#statements.delete(sql)
      this.#statements.set(sql, cached)
      return cached
    }
    const statement = (this.#database as Database).prepare(sql)
    this.#statements.set(sql, statement)
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const [oldestSql, oldest] = this.#statements.entries().next().value as [string, PreparedStatement]
      this.#statements.delete(oldestSql)
      oldest.finalize()
    }
    return statement
  }

  /**
   * Binds parameters as better-sqlite3 and D1 do. sqlite-wasm binds every integral number outside
   * 32 bits as a 64-bit integer, which wraps silently beyond 2^63 (1e21 became 3875820019684212700);
   * an integral number beyond 2^53 is a double anyway, so it is bound as one.
   */
  #bind(statement: PreparedStatement, parameters: readonly unknown[]): void {
    if (parameters.length === 0) return
    statement.bind(parameters as BindingSpec)
    const { capi } = this.#sqlite as WasmSqlite
    for (let index = 0; index < parameters.length; index++) {
      const value = parameters[index]
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        capi.sqlite3_bind_double(statement.pointer as number, index + 1, value)
      }
    }
  }

  #run(statement: PreparedStatement, parameters: readonly unknown[]): QueryResult<unknown> {
    const { capi } = this.#sqlite as WasmSqlite
    const database = this.#database as Database
    try {
      this.#bind(statement, parameters)
      if (statement.columnCount > 0) {
        const rows: unknown[] = []
        while (statement.step()) rows.push(statement.get({}))
        return { rows }
      }
      // As better-sqlite3 counts: `changes()` keeps the count of the last insert, update or delete,
      // so a statement that changed nothing (a schema statement) reports 0 instead.
      const before = capi.sqlite3_total_changes(database)
      statement.step()
      const changed = capi.sqlite3_total_changes(database) !== before
      return {
        rows: [],
        numAffectedRows: BigInt(changed ? capi.sqlite3_changes(database) : 0),
        insertId: BigInt(capi.sqlite3_last_insert_rowid(database)),
      }
    } finally {
      statement.resetNoThrow(true)
    }
  }

  async #beginWrite(): Promise<void> {
    const release = await acquireLock(this.#locks, this.#channelName)
    try {
      await this.#catchUp()
    } catch (error) {
      release()
      throw error
    }
    this.#pendingTables.clear()
    this.#releaseWriteLock = release
  }

  async #finishWrite(): Promise<void> {
    const release = this.#releaseWriteLock as () => void
    this.#releaseWriteLock = undefined
    const tables = [...this.#pendingTables]
    this.#pendingTables.clear()
    const file = this.#file as MemoryFile
    try {
      if (!file.hasChanges) return
      const { pageCount, pages } = file.changes()
      if (pages.size === 0 && pageCount === this.#storedPageCount) {
        file.acceptChanges()
        return
      }
      try {
        this.#version = await this.#options.store.commit({
          baseVersion: this.#version,
          pageSize: file.pageSize,
          pageCount,
          pages,
          tables,
        })
      } catch (error) {
        file.revertChanges()
        throw error
      }
      file.acceptChanges()
      this.#storedPageCount = pageCount
      this.#channel?.postMessage({ version: this.#version, tables })
    } finally {
      release()
    }
  }

  /** Loads the pages other tabs committed since this engine's version. Only between transactions. */
  async #catchUp(): Promise<void> {
    const changes = await this.#options.store.changesSince(this.#version)
    if (changes.version === this.#version) return
    const file = this.#file as MemoryFile
    for (const [pageNumber, page] of changes.pages) {
      if (page.byteLength !== file.pageSize) {
        throw this.#corrupt(`page ${pageNumber} has ${page.byteLength} bytes instead of ${file.pageSize}`)
      }
    }
    file.load(changes.pages, changes.pageCount)
    this.#version = changes.version
    this.#storedPageCount = changes.pageCount
  }

  /**
   * Catches up outside a write. The lock keeps writers out meanwhile, so the pages read are one
   * consistent state even where IndexedDB isolates transactions loosely.
   */
  async #catchUpUnderLock(): Promise<void> {
    const release = await acquireLock(this.#locks, this.#channelName)
    try {
      await this.#catchUp()
    } finally {
      release()
    }
  }

  readonly #onMessage = (event: { data: unknown }): void => {
    const announcement = parseAnnouncement(event.data)
    if (announcement) void this.#applyRemoteCommit(announcement.version, announcement.tables)
  }

  async #applyRemoteCommit(version: number, tables: readonly string[]): Promise<void> {
    await this.#mutex.lock()
    try {
      if (this.#closed) return
      if (version > this.#version) await this.#catchUpUnderLock()
    } catch {
      // Nothing to report to here; the next write catches up again under the lock and rejects
      // with the store's error.
      return
    } finally {
      this.#mutex.unlock()
    }
    for (const listener of [...this.#remoteListeners]) listener(tables)
  }

  #assertValid(stored: StoredDatabase): void {
    if (stored.pageCount === 0) return
    for (let pageNumber = 1; pageNumber <= stored.pageCount; pageNumber++) {
      const page = stored.pages.get(pageNumber)
      if (!page) throw this.#corrupt(`page ${pageNumber} of ${stored.pageCount} is missing`)
      if (page.byteLength !== stored.pageSize) {
        throw this.#corrupt(`page ${pageNumber} has ${page.byteLength} bytes instead of ${stored.pageSize}`)
      }
    }
    const header = new TextDecoder().decode((stored.pages.get(1) as Uint8Array).subarray(0, SQLITE_HEADER.length))
    if (header !== SQLITE_HEADER) throw this.#corrupt('page 1 does not start with the SQLite header')
  }

  #mapCorruption(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error)
    if (/SQLITE_(CORRUPT|NOTADB)|malformed|not a database/.test(message)) return this.#corrupt(message, error)
    return error
  }

  #corrupt(message: string, cause?: unknown): StorageError {
    return new StorageError('CORRUPT_STORAGE', `the stored database is damaged: ${message}`, {
      adapter: this.#options.adapter,
      cause,
    })
  }
}

const fallbackLocks = new InPageLockManager()

/** Resolves once `name` is held, with the function that releases it. */
function acquireLock(locks: WebLockManager, name: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { mode: 'exclusive' }, () => new Promise<void>((release) => resolve(() => release())))
      .catch(reject)
  })
}
