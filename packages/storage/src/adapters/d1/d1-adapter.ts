import { createProvider, type KyselyOptions } from '../../core/create-provider.js'
import { StorageUnavailableError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import type { D1Database } from './d1-database.js'
import { D1Driver } from './d1-driver.js'
import { D1Introspector } from './d1-introspector.js'
import { keepReferencingRows } from './referencing-rows.js'

/** Options of {@link d1Adapter}. */
export interface D1AdapterOptions extends KyselyOptions {
  /** The D1 binding, `env.DB` in a Worker or Pages Function; the adapter is unavailable without it. */
  database: D1Database | undefined | null
}

/** D1's limit on bound parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/**
 * The `d1` adapter: Cloudflare D1 through its Workers binding.
 *
 * - `batch()` is one `D1Database.batch()` call, atomic.
 * - Queries above D1's 100 bound parameters are made to fit: a multi-row insert is split into
 *   statements sent in one atomic batch, a long `in (...)` list is read from `json_each(?)`.
 * - `transaction()` throws `UnsupportedOperationError`: D1 cannot hold a transaction open
 *   across calls. `migrate()` sends each migration and its bookkeeping row in one batch instead.
 *
 * @param options - the binding, and Kysely's `log` and `plugins`
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { d1Adapter } from '@inventory/storage/d1'
 *
 * export default {
 *   async fetch(request: Request, env: { DB: D1Database }) {
 *     const storage = await createStorage<Database>({ adapters: d1Adapter({ database: env.DB }) })
 *     const items = await storage.db.selectFrom('items').selectAll().execute()
 *     return Response.json(items)
 *   },
 * }
 * ```
 */
export function d1Adapter(options: D1AdapterOptions): StorageAdapter {
  return {
    name: 'd1',
    isAvailable() {
      return typeof options.database?.prepare === 'function' && typeof options.database.batch === 'function'
    },
    unavailableReason: () =>
      options.database
        ? 'the database given is not a D1 binding (it has no prepare() and batch())'
        : 'no D1 binding was given',
    open<DB>(): Promise<StorageProvider<DB>> {
      if (!options.database) {
        return Promise.reject(new StorageUnavailableError('d1Adapter was given no database binding', { adapter: 'd1' }))
      }
      const driver = new D1Driver(options.database)
      return createProvider<DB>(
        {
          adapter: 'd1',
          capabilities: {
            interactiveTransactions: false,
            persistent: true,
            crossTabSync: false,
            maxBoundParameters: D1_MAX_BOUND_PARAMETERS,
          },
          driver,
          executeBatch: (queries) => driver.executeBatch(queries),
          createIntrospector: (db) => new D1Introspector(db),
          wrapMigrationBatch: (db, statements, migration) => keepReferencingRows(db, statements, migration, 'd1'),
        },
        { log: options.log, plugins: options.plugins },
      )
    },
  }
}
