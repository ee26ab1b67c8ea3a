import type { BetterSqliteDatabase, BetterSqliteStatement } from './better-sqlite-database.js'

/** Longer statements (huge multi-row inserts) are not kept: they are rarely repeated and hold memory. */
const MAX_CACHED_SQL_LENGTH = 256 * 1024

interface CachedStatement {
  readonly statement: BetterSqliteStatement
  /** Used since the eviction scan last passed it. */
  used: boolean
}

/**
 * Prepared statements by SQL text, bounded. Kysely's SQLite driver prepares every query anew;
 * preparing costs more than running a small query, so reuse matters. Eviction approximates least
 * recently used with a second chance (the "clock"): a hit only sets a flag, so the hot path does
 * not reorder the map; when full, the oldest entry not used since the last scan goes.
 */
export class StatementCache {
  readonly #database: BetterSqliteDatabase
  readonly #capacity: number
  readonly #statements = new Map<string, CachedStatement>()

  constructor(database: BetterSqliteDatabase, capacity: number) {
    this.#database = database
    this.#capacity = capacity
  }

  get(sql: string): BetterSqliteStatement {
    const cached = this.#statements.get(sql)
    if (cached) {
      cached.used = true
      return cached.statement
    }
    const statement = this.#database.prepare(sql)
    if (this.#capacity > 0 && sql.length <= MAX_CACHED_SQL_LENGTH) {
      if (this.#statements.size >= this.#capacity) this.#evictOne()
      this.#statements.set(sql, { statement, used: false })
    }
    return statement
  }

  get size(): number {
    return this.#statements.size
  }

  clear(): void {
    this.#statements.clear()
  }

  #evictOne(): void {
    for (const [sql, entry] of this.#statements) {
      this.#statements.delete(sql)
      if (!entry.used) return
      // A second chance: to the back, unmarked.
      entry.used = false
      this.#statements.set(sql, entry)
    }
  }
}
