import type { BetterSqliteDatabase, BetterSqliteStatement } from './better-sqlite-database.js'

/** Longer statements (huge multi-row inserts) are not kept: they are rarely repeated and hold memory. */
const MAX_CACHED_SQL_LENGTH = 256 * 1024

/**
 * Prepared statements by SQL text, least recently used evicted first. Kysely's SQLite driver
 * prepares every query anew; preparing costs more than running a small query, so reuse matters.
 */
export class StatementCache {
  readonly #database: BetterSqliteDatabase
  readonly #capacity: number
  readonly #statements = new Map<string, BetterSqliteStatement>()

  constructor(database: BetterSqliteDatabase, capacity: number) {
    this.#database = database
    this.#capacity = capacity
  }

  get(sql: string): BetterSqliteStatement {
    const cached = this.#statements.get(sql)
    if (cached) {
      this.#statements.delete(sql)
      this.#statements.set(sql, cached)
      return cached
    }
    const statement = this.#database.prepare(sql)
    if (this.#capacity > 0 && sql.length <= MAX_CACHED_SQL_LENGTH) {
      this.#statements.set(sql, statement)
      if (this.#statements.size > this.#capacity) {
        const oldest = this.#statements.keys().next().value as string
        this.#statements.delete(oldest)
      }
    }
    return statement
  }

  get size(): number {
    return this.#statements.size
  }

  clear(): void {
    this.#statements.clear()
  }
}
