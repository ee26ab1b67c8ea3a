/**
 * The `d1` adapter: Cloudflare D1 in Workers and Pages Functions, through kysely-d1.
 *
 * @module
 */
export { type D1AdapterOptions, d1Adapter, d1Bookmark } from './adapters/d1/d1-adapter.js'
export type { D1Database, D1DatabaseSession, D1PreparedStatement, D1Result } from './adapters/d1/d1-database.js'
