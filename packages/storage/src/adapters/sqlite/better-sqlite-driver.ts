import type { DatabaseConnection, QueryResult, TransactionSettings } from 'kysely'
import { CompiledQuery, SelectQueryNode } from 'kysely'
import { ConnectionMutex } from '../../core/connection-mutex.js'
import type { RepeatedStatementConnection } from '../../core/repeated-statement.js'
import { SqliteCommandDriver } from '../../core/sqlite-command-driver.js'
import { StatementCache } from '../../core/statement-cache.js'
import type { DatabaseFileConnection } from '../../core/database-file.js'
import type { BetterSqliteDatabase, BetterSqliteStatement } from './better-sqlite-database.js'
import { importSqliteFile, type OpenDatabaseFile } from './sqlite-file-import.js'
import { retryWhileBusy } from './busy-retry.js'

/** Options of {@link BetterSqliteDriver}. */
export interface BetterSqliteDriverOptions {
  /** Opens (or returns) the database on first use. */
  database: () => Promise<BetterSqliteDatabase> | BetterSqliteDatabase
  /** Whether `destroy()` closes the database (false for a handle the caller owns). */
  ownsDatabase: boolean
  /** How many prepared statements to keep. */
  statementCacheSize: number
  /** Opens a SQLite file's bytes as a database of its own, for `importDatabase`. */
  openFile: OpenDatabaseFile
  /** How long a statement waits, in all, for a lock another connection holds (ms). */
  busyTimeout: number
}

const BEGIN = CompiledQuery.raw('begin')
const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate')

/** Longer statements (huge multi-row inserts) are not kept: they are rarely repeated and hold memory. */
const MAX_CACHED_SQL_LENGTH = 256 * 1024

/**
 * A Kysely driver over one better-sqlite3 connection, with a bounded prepared-statement cache.
 * better-sqlite3 is synchronous, so queries are serialised on the one connection.
 */
export class BetterSqliteDriver extends SqliteCommandDriver {
  readonly #options: BetterSqliteDriverOptions
  readonly #mutex = new ConnectionMutex()
  #database: BetterSqliteDatabase | undefined
  #connection: BetterSqliteConnection | undefined

  constructor(options: BetterSqliteDriverOptions) {
    super()
    this.#options = options
  }

  async init(): Promise<void> {
    this.#database = await this.#options.database()
    this.#connection = new BetterSqliteConnection(this.#database, this.#options)
  }

  /**
   * Write transactions start with `begin immediate`, which takes the write lock at once (waiting
   * for it as any statement does). With a plain `begin`, a transaction that reads before it writes
   * fails without waiting when another connection wrote in between: SQLite cannot upgrade its
   * read snapshot. Transactions declared read-only keep `begin`, and let other writers in.
   */
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(settings.accessMode === 'read only' ? BEGIN : BEGIN_IMMEDIATE)
  }

  acquireConnection(): Promise<DatabaseConnection> {
    const connection = this.#connection as BetterSqliteConnection
    return this.#mutex.lockFor(connection)
  }

  releaseConnection(): Promise<void> {
    this.#mutex.unlock()
    return Promise.resolve()
  }

  async destroy(): Promise<void> {
    this.#connection?.statements.clear()
    if (this.#options.ownsDatabase && this.#database?.open) this.#database.close()
  }
}

class BetterSqliteConnection implements DatabaseConnection, DatabaseFileConnection, RepeatedStatementConnection {
  readonly #database: BetterSqliteDatabase
  readonly #openFile: OpenDatabaseFile
  readonly #busyTimeout: number
  readonly statements: StatementCache<BetterSqliteStatement>

  constructor(
    database: BetterSqliteDatabase,
    options: Pick<BetterSqliteDriverOptions, 'statementCacheSize' | 'busyTimeout' | 'openFile'>,
  ) {
    this.#database = database
    this.#openFile = options.openFile
    this.#busyTimeout = options.busyTimeout
    // better-sqlite3 frees statements when they are collected: nothing to finalize.
    this.statements = new StatementCache({
      capacity: options.statementCacheSize,
      prepare: (sql) => database.prepare(sql),
      maxSqlLength: MAX_CACHED_SQL_LENGTH,
    })
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return retryWhileBusy(() => this.#run<R>(query), this.#busyTimeout, 'sqlite')
  }

  #run<R>(query: CompiledQuery): QueryResult<R> {
    const statement = this.statements.get(query.sql)
    if (statement.reader) return { rows: statement.all(query.parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(query.parameters)
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) }
  }

  async exportDatabase(): Promise<Uint8Array> {
    const database = this.#database
    if (!database.serialize)
      throw new Error('this better-sqlite3 handle has no serialize(); use better-sqlite3 7.1 or later')
    const file = database.serialize()
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength)
  }

  importDatabase(bytes: Uint8Array): Promise<readonly string[]> {
    return importSqliteFile(this.#database, bytes, this.#openFile)
  }

  executeRepeated(sql: string, parameterSets: readonly (readonly unknown[])[]): Promise<QueryResult<never>> {
    // insertMany runs inside a write transaction, so the lock is held before the first row: a
    // busy answer can only come before any row was written, and the whole run is tried again.
    return retryWhileBusy(
      () => {
        const statement = this.statements.get(sql)
        let changes = 0
        let lastInsertRowid: number | bigint = 0
        for (const parameters of parameterSets) {
          const result = statement.run(parameters)
          changes += Number(result.changes)
          lastInsertRowid = result.lastInsertRowid
        }
        return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) }
      },
      this.#busyTimeout,
      'sqlite',
    )
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only select queries can be streamed')
    // A fresh statement: a cached one may be in use by another query while this one iterates.
    const statement = this.#database.prepare(query.sql)
    for (const row of statement.iterate(query.parameters)) yield { rows: [row as R] }
  }
}
