import type { D1Database } from '../adapters/d1/d1-database.js'
import type { DurableObjectStorage } from '../adapters/durable-object/durable-object-storage.js'

/** Options of `autoAdapters`, the same in every runtime. */
export interface AutoAdaptersOptions {
  /** The database name: the file name in Node, the IndexedDB database and localStorage prefix in browsers. */
  name: string
  /** The D1 binding (`env.DB`); in Workers and Pages Functions this or `durableObject` is required; ignored elsewhere. */
  d1?: D1Database | undefined
  /**
   * Inside a Durable Object: its `ctx.storage` (SQLite-backed). In Workers it comes before `d1`
   * among the candidates; ignored elsewhere.
   */
  durableObject?: DurableObjectStorage | undefined
  /** Node only: the directory of the database file (default `.data`, created when missing). */
  directory?: string | undefined
}
