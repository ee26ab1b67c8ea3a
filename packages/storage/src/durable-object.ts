/**
 * The `durable-object` adapter: the SQLite storage of a Cloudflare Durable Object, with
 * interactive transactions.
 *
 * @module
 */
export {
  type DurableObjectAdapterOptions,
  durableObjectAdapter,
} from './adapters/durable-object/durable-object-adapter.js'
export type {
  DurableObjectSqlCursor,
  DurableObjectSqlStorage,
  DurableObjectStorage,
} from './adapters/durable-object/durable-object-storage.js'
