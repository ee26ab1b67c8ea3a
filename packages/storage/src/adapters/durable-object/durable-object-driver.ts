import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { ConnectionMutex } from '../../core/connection-mutex.js'
import { StorageError } from '../../core/errors.js'
import { SqliteCommandDriver } from '../../core/sqlite-command-driver.js'
import { returnsRows } from '../d1/returns-rows.js'
import type { DurableObjectStorage } from './durable-object-storage.js'
import { HeldTransaction } from './held-transaction.js'

/** Read after each write: what better-sqlite3 reports for it. */
const AFTER_WRITE = 'select total_changes() as total, changes() as changes, last_insert_rowid() as id'
const TOTAL_CHANGES = 'select total_changes() as total'
/** Whether any table declares a foreign key checked only at commit. */
const DEFERRABLE_FOREIGN_KEYS =
  "select 1 from sqlite_master where type = 'table' and sql like '%initially deferred%' limit 1"

/**
 * A Kysely driver over a Durable Object's SQLite storage. Statements run synchronously through
 * `ctx.storage.sql.exec()`, one at a time on the object's one connection. Transactions are issued
 * as SQLite's own statements (`begin`, `savepoint "name"`, ...), as Kysely's SQLite driver issues
 * them and its `log` shows them, and carried out with held `ctx.storage.transaction()` calls:
 * the runtime refuses those statements as SQL.
 */
export class DurableObjectDriver extends SqliteCommandDriver {
  readonly #connection: DurableObjectConnection
  readonly #mutex = new ConnectionMutex()

  /** @param storage - `ctx.storage` of a SQLite-backed Durable Object */
  constructor(storage: DurableObjectStorage) {
    super()
    this.#connection = new DurableObjectConnection(storage)
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return this.#mutex.lockFor(this.#connection)
  }

  releaseConnection(): Promise<void> {
    this.#mutex.unlock()
    return Promise.resolve()
  }

  /** The storage belongs to the Durable Object; a transaction left open is rolled back. */
  async destroy(): Promise<void> {
    await this.#connection.rollbackAll()
  }
}

/** One open transaction or savepoint: the savepoint's name, none for the outermost `begin`. */
interface Frame {
  readonly name: string | undefined
  readonly transaction: HeldTransaction
}

const TRANSACTION_STATEMENT = /^(begin|commit|rollback)$|^(savepoint|rollback to|release) "((?:[^"]|"")*)"$/

class DurableObjectConnection implements DatabaseConnection {
  readonly #storage: DurableObjectStorage
  /** The transaction and its savepoints, innermost last. */
  readonly #frames: Frame[] = []

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const control = query.parameters.length === 0 ? TRANSACTION_STATEMENT.exec(query.sql) : null
    if (control) {
      await this.#control((control[1] ?? control[2]) as string, control[3]?.replaceAll('""', '"'))
      return { rows: [] }
    }
    return this.#execute<R>(query)
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = this.#execute<R>(query)
    for (let start = 0; start < rows.length; start += chunkSize) yield { rows: rows.slice(start, start + chunkSize) }
  }

  /** Rolls back whatever is still open, innermost first. */
  async rollbackAll(): Promise<void> {
    while (this.#frames.length > 0) await (this.#frames.pop() as Frame).transaction.rollback()
  }

  #execute<R>(query: CompiledQuery): QueryResult<R> {
    const sql = this.#storage.sql
    const parameters = toBindings(query.parameters)
    if (returnsRows(query)) {
      return {
        rows: sql
          .exec(query.sql, ...parameters)
          .toArray()
          .map(withBlobsAsBytes) as R[],
      }
    }
    const before = Number(sql.exec(TOTAL_CHANGES).toArray()[0]?.total)
    sql.exec(query.sql, ...parameters).toArray()
    const after = sql.exec(AFTER_WRITE).toArray()[0] as { total: number; changes: number; id: number }
    // As better-sqlite3 counts: a statement that changed no row (a schema statement) reports 0,
    // not the count `changes()` kept from the last insert, update or delete.
    const changed = Number(after.total) !== before
    return { rows: [], numAffectedRows: BigInt(changed ? after.changes : 0), insertId: BigInt(after.id) }
  }

  async #control(statement: string, name: string | undefined): Promise<void> {
    switch (statement) {
      case 'begin':
        if (this.#frames.length > 0) throw new Error('cannot start a transaction within a transaction')
        this.#frames.push({ name: undefined, transaction: await HeldTransaction.open(this.#storage) })
        return
      case 'commit':
        if (this.#frames.length === 0) throw new Error('cannot commit - no transaction is active')
        try {
          this.#checkDeferredForeignKeys()
        } catch (error) {
          await this.#end(0, 'rollback')
          throw error
        }
        return this.#end(0, 'commit')
      // After a failed commit the runtime has rolled the transaction back already: nothing to do.
      case 'rollback':
        return this.#end(0, 'rollback')
      case 'savepoint':
        this.#frames.push({ name, transaction: await HeldTransaction.open(this.#storage) })
        return
      case 'rollback to': {
        // SQL's `rollback to` undoes the savepoint's work and keeps it open: end it, open it anew.
        const index = this.#savepoint(name)
        await this.#end(index, 'rollback')
        this.#frames.push({ name, transaction: await HeldTransaction.open(this.#storage) })
        return
      }
      case 'release':
        return this.#end(this.#savepoint(name), 'commit')
    }
  }

  /**
   * Refuses to commit a transaction that leaves deferred foreign-key violations, as SQLite's
   * `commit` does. The runtime's transaction is a savepoint inside the object's own implicit
   * transaction: a violation would surface only when that one commits, and break the object.
   */
  #checkDeferredForeignKeys(): void {
    const sql = this.#storage.sql
    const deferred =
      Number(sql.exec('pragma defer_foreign_keys').toArray()[0]?.defer_foreign_keys) === 1 ||
      sql.exec(DEFERRABLE_FOREIGN_KEYS).toArray().length > 0
    if (!deferred) return
    if (sql.exec('pragma foreign_key_check').toArray().length > 0) {
      throw new Error('FOREIGN KEY constraint failed: SQLITE_CONSTRAINT_FOREIGNKEY')
    }
  }

  /** Ends the frame at `index` and every frame inside it, innermost first. */
  async #end(index: number, how: 'commit' | 'rollback'): Promise<void> {
    let failure: unknown
    while (this.#frames.length > index) {
      const frame = this.#frames.pop() as Frame
      try {
        // Once one of them failed, the runtime rolled it back: roll back the outer ones too.
        await (failure === undefined && how === 'commit' ? frame.transaction.commit() : frame.transaction.rollback())
      } catch (error) {
        failure ??= error
      }
    }
    // SQLite turns deferred foreign keys off at the end of every transaction.
    if (index === 0) this.#storage.sql.exec('pragma defer_foreign_keys = off')
    if (failure !== undefined) throw failure
  }

  #savepoint(name: string | undefined): number {
    for (let index = this.#frames.length - 1; index >= 0; index--) {
      if (this.#frames[index]?.name === name) return index
    }
    throw new Error(`no such savepoint: ${name}`)
  }
}

/**
 * The parameters as the Durable Object binds them: bigints within JavaScript's safe integer range
 * go as numbers, larger ones are refused with a clear error instead of losing digits.
 */
function toBindings(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value, index) => {
    if (typeof value !== 'bigint') return value
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
    throw new StorageError(
      'INVALID_PARAMETER',
      `parameter ${index + 1} is the bigint ${value}; Durable Objects bind integers as JavaScript numbers, which hold at most 2^53 - 1 exactly`,
      { adapter: 'durable-object' },
    )
  })
}

/** Blobs come back as `ArrayBuffer`s; Kysely's SQLite driver gives `Uint8Array`s. */
function withBlobsAsBytes(row: Record<string, unknown>): Record<string, unknown> {
  let converted: Record<string, unknown> | undefined
  for (const [column, value] of Object.entries(row)) {
    if (value instanceof ArrayBuffer) {
      converted ??= { ...row }
      converted[column] = new Uint8Array(value)
    }
  }
  return converted ?? row
}
