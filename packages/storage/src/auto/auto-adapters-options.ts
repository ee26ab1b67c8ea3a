import type { D1Database } from '../adapters/d1/d1-database.js'

/** Options of `autoAdapters`, the same in every runtime. */
export interface AutoAdaptersOptions {
  /** The database name: the file name in Node, the IndexedDB database and localStorage prefix in browsers. */
  name: string
  /** The D1 binding (`env.DB`); required in Workers and Pages Functions, ignored elsewhere. */
  d1?: D1Database | undefined
  /** Node only: the directory of the database file (default `.data`, created when missing). */
  directory?: string | undefined
}
