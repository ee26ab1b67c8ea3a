import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { SelectQueryNode } from 'kysely'
import { ConnectionMutex } from '../../core/connection-mutex.js'
import type { RepeatedStatementConnection } from '../../core/repeated-statement.js'
import { SqliteCommandDriver } from '../../core/sqlite-command-driver.js'
import { StatementCache } from '../../core/statement-cache.js'
import type { DatabaseFileConnection } from '../../core/database-file.js'
import type { BetterSqliteDatabase, BetterSqliteStatement } from './better-sqlite-database.js'
import { importSqliteFile, type OpenDatabaseFile } from './sqlite-file-import.js'

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
}

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
  readonly statements: StatementCache<BetterSqliteStatement>

  constructor(database: BetterSqliteDatabase, { statementCacheSize, openFile }: BetterSqliteDriverOptions) {
    this.#database = database
    this.#openFile = openFile
    // better-sqlite3 frees statements when they are collected: nothing to finalize.
    this.statements = new StatementCache({
      capacity: statementCacheSize,
      prepare: (sql) => database.prepare(sql),
      maxSqlLength: MAX_CACHED_SQL_LENGTH,
    })
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const statement = this.statements.get(query.sql)
      if (statement.reader) return Promise.resolve({ rows: statement.all(query.parameters) as R[] })
      const { changes, lastInsertRowid } = statement.run(query.parameters)
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) })
    } catch (error) {
      return Promise.reject(error)
    }
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
    try {
      const statement = this.statements.get(sql)
      let changes = 0
      let lastInsertRowid: number | bigint = 0
      for (const parameters of parameterSets) {
        const result = statement.run(parameters)
        changes += Number(result.changes)
        lastInsertRowid = result.lastInsertRowid
      }
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only select queries can be streamed')
    // A fresh statement: a cached one may be in use by another query while this one iterates.
    const statement = this.#database.prepare(query.sql)
    for (const row of statement.iterate(query.parameters)) yield { rows: [row as R] }
  }
}
