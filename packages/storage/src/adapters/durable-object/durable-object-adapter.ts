import { createProvider, type KyselyOptions } from '../../core/create-provider.js'
import { StorageUnavailableError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import { D1Introspector } from '../d1/d1-introspector.js'
import { DurableObjectDriver } from './durable-object-driver.js'
import type { DurableObjectStorage } from './durable-object-storage.js'

/** Options of {@link durableObjectAdapter}. */
export interface DurableObjectAdapterOptions extends KyselyOptions {
  /**
   * `ctx.storage` of a Durable Object whose class is declared SQLite-backed (`new_sqlite_classes`
   * in a wrangler migration); the adapter is unavailable without it or without its `sql`.
   */
  storage: DurableObjectStorage | undefined | null
}

/** The most bound parameters one statement may carry in a Durable Object's SQLite. */
const DURABLE_OBJECT_MAX_BOUND_PARAMETERS = 100

/**
 * The `durable-object` adapter: the SQLite database of a Durable Object, through `ctx.storage.sql`.
 *
 * - `transaction()` is interactive: reads and writes across awaits, atomic. It is held open with
 *   `ctx.storage.transaction()`, since the runtime refuses SQL's `begin`; Kysely's savepoints are
 *   nested `ctx.storage.transaction()` calls.
 * - `batch()` and each migration of `migrate()` run in one such transaction: all or nothing.
 * - Queries above the 100 bound parameters a statement may carry are made to fit: a multi-row
 *   insert is split into statements run atomically, a long `in (...)` list is read from `json_each(?)`.
 * - The runtime's own `_cf_*` tables are hidden from introspection.
 *
 * Storage calls must run in the Durable Object's own context (its `fetch`, RPC methods, alarm).
 *
 * @param options - `ctx.storage`, and Kysely's `log` and `plugins`
 * @example
 * ```ts
 * import { DurableObject } from 'cloudflare:workers'
 * import { createStorage, type StorageProvider } from '@inventory/storage'
 * import { durableObjectAdapter } from '@inventory/storage/durable-object'
 *
 * export class Inventory extends DurableObject {
 *   #storage: Promise<StorageProvider<Database>> | undefined
 *
 *   async countItems(): Promise<number> {
 *     this.#storage ??= createStorage<Database>({ adapters: durableObjectAdapter({ storage: this.ctx.storage }) })
 *     const storage = await this.#storage
 *     const { count } = await storage.db
 *       .selectFrom('items')
 *       .select((eb) => eb.fn.countAll<number>().as('count'))
 *       .executeTakeFirstOrThrow()
 *     return count
 *   }
 * }
 * ```
 */
export function durableObjectAdapter(options: DurableObjectAdapterOptions): StorageAdapter {
  return {
    name: 'durable-object',
    isAvailable() {
      return typeof options.storage?.sql?.exec === 'function' && typeof options.storage.transaction === 'function'
    },
    unavailableReason: () =>
      options.storage
        ? 'the storage given has no SQL API (ctx.storage.sql): declare the Durable Object class SQLite-backed with new_sqlite_classes in its wrangler migration'
        : 'no Durable Object storage was given',
    open<DB>(): Promise<StorageProvider<DB>> {
      if (!this.isAvailable()) {
        return Promise.reject(
          new StorageUnavailableError(`durableObjectAdapter cannot open: ${this.unavailableReason?.()}`, {
            adapter: 'durable-object',
          }),
        )
      }
      return createProvider<DB>(
        {
          adapter: 'durable-object',
          capabilities: {
            interactiveTransactions: true,
            persistent: true,
            crossTabSync: false,
            maxBoundParameters: DURABLE_OBJECT_MAX_BOUND_PARAMETERS,
          },
          driver: new DurableObjectDriver(options.storage as DurableObjectStorage),
          createIntrospector: (db) => new D1Introspector(db),
        },
        { log: options.log, plugins: options.plugins },
      )
    },
  }
}
