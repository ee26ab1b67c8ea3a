/**
 * The part of a Durable Object's `ctx.storage` (Workers' `DurableObjectStorage`) this adapter
 * uses, typed structurally so the package needs no Workers types at run time.
 */
export interface DurableObjectStorage {
  /** The object's SQLite database; present only on SQLite-backed Durable Objects. */
  readonly sql: DurableObjectSqlStorage
  /**
   * Runs `closure` in a transaction that stays open across its awaits: committed when the
   * promise it returns resolves, rolled back when it rejects. Nested calls are nested transactions.
   */
  transaction<T>(closure: (txn: unknown) => Promise<T>): Promise<T>
}

/** `ctx.storage.sql`: synchronous SQL on the Durable Object's SQLite database. */
export interface DurableObjectSqlStorage {
  /** Runs one statement with its parameters bound in order; the cursor holds its rows. */
  exec(query: string, ...bindings: unknown[]): DurableObjectSqlCursor
}

/** The part of a `SqlStorageCursor` this adapter reads. */
export interface DurableObjectSqlCursor {
  /** Every remaining row, as objects keyed by column name. */
  toArray(): Record<string, unknown>[]
}
