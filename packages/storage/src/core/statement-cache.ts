/** Options of {@link StatementCache}. */
export interface StatementCacheOptions<S> {
  /** How many statements to keep; 0 keeps none. */
  readonly capacity: number
  /** Compiles a statement on a miss. */
  readonly prepare: (sql: string) => S
  /** Frees a statement the cache drops (evicted or cleared); leave out where the garbage collector frees them. */
  readonly finalize?: ((statement: S) => void) | undefined
  /** Longer SQL is prepared but not kept (default: no limit). */
  readonly maxSqlLength?: number | undefined
}

/** One kept statement. */
interface CachedStatement<S> {
  readonly statement: S
  /** Used since the eviction scan last passed it. */
  used: boolean
}

/**
 * Prepared statements by SQL text, bounded. Kysely's SQLite drivers prepare every query anew;
 * preparing costs more than running a small query, so reuse matters. Eviction approximates least
 * recently used with a second chance (the "clock"): a hit only sets a flag, so the hot path does
 * not reorder the map; when full, the oldest entry not used since the last scan goes.
 *
 * A statement the cache does not keep (capacity 0, or SQL over `maxSqlLength`) is the caller's to
 * free; an engine whose statements must be finalized keeps every one (a capacity, no length limit).
 *
 * @template S - the engine's prepared statement
 * @example
 * ```ts
 * const statements = new StatementCache({ capacity: 256, prepare: (sql) => database.prepare(sql) })
 * const rows = statements.get('select * from items where id = ?').all([1])
 * ```
 */
export class StatementCache<S> {
  readonly #capacity: number
  readonly #prepare: (sql: string) => S
  readonly #finalize: ((statement: S) => void) | undefined
  readonly #maxSqlLength: number
  readonly #statements = new Map<string, CachedStatement<S>>()

  /** @param options - capacity, how to prepare and how to free a statement */
  constructor(options: StatementCacheOptions<S>) {
    this.#capacity = options.capacity
    this.#prepare = options.prepare
    this.#finalize = options.finalize
    this.#maxSqlLength = options.maxSqlLength ?? Number.POSITIVE_INFINITY
  }

  /**
   * The statement for `sql`: the kept one, or a new one, kept when it fits.
   *
   * @param sql - the statement's SQL text
   */
  get(sql: string): S {
    const cached = this.#statements.get(sql)
    if (cached) {
      cached.used = true
      return cached.statement
    }
    const statement = this.#prepare(sql)
    if (this.#capacity > 0 && sql.length <= this.#maxSqlLength) {
      if (this.#statements.size >= this.#capacity) this.#evictOne()
      this.#statements.set(sql, { statement, used: false })
    }
    return statement
  }

  /** Drops (and finalizes) every kept statement. */
  clear(): void {
    const statements = [...this.#statements.values()]
    this.#statements.clear()
    if (this.#finalize) for (const { statement } of statements) this.#finalize(statement)
  }

  #evictOne(): void {
    for (const [sql, entry] of this.#statements) {
      this.#statements.delete(sql)
      if (!entry.used) {
        this.#finalize?.(entry.statement)
        return
      }
      // A second chance: to the back, unmarked.
      entry.used = false
      this.#statements.set(sql, entry)
    }
  }
}
