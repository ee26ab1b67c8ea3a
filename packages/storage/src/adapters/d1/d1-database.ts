/**
 * The part of Cloudflare's `D1Database` binding this adapter uses, typed structurally so the
 * package needs no Workers types at run time and the binding from `env`, Miniflare's
 * `getD1Database()` or a wrapper (for example one that counts round trips) can all be passed in.
 */
export interface D1Database {
  /** Compiles a statement. */
  prepare(query: string): D1PreparedStatement
  /** Runs statements atomically, in order, in one round trip. */
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>
  /**
   * Starts a session of the Sessions API (read replication): its queries run on replicas no older
   * than the constraint or bookmark given. Only needed for `d1Adapter`'s `session` option.
   */
  withSession?(constraintOrBookmark?: string): D1DatabaseSession
}

/** A session of D1's Sessions API: a {@link D1Database} that also tracks how recent its reads are. */
export interface D1DatabaseSession {
  /** Compiles a statement that runs in this session. */
  prepare(query: string): D1PreparedStatement
  /** Runs statements atomically in this session. */
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>
  /** The bookmark of the latest query this session ran, `null` before its first. */
  getBookmark(): string | null
}

/** The part of a D1 prepared statement this adapter uses. */
export interface D1PreparedStatement {
  /** Binds the statement's parameters, in order. */
  bind(...values: unknown[]): D1PreparedStatement
  /** Runs the statement and returns all its rows. */
  all(): Promise<D1Result>
}

/** What D1 answers for one statement. */
export interface D1Result {
  /** The rows; blobs come as arrays of byte values. */
  results?: unknown[]
  /** What the statement did. */
  meta: {
    /** Rows inserted, updated or deleted. */
    changes?: number
    /** The rowid of the last row inserted on this database. */
    last_row_id?: number | null
  }
  /** An error message, from older D1 runtimes that answered errors instead of throwing them. */
  error?: string
}
