import { createProvider, type KyselyOptions } from '../../core/create-provider.js'
import { StorageError, StorageUnavailableError, UnsupportedOperationError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import type { D1Database, D1DatabaseSession } from './d1-database.js'
import { D1Driver } from './d1-driver.js'
import { D1Introspector } from './d1-introspector.js'
import { keepReferencingRows } from './referencing-rows.js'

/** Options of {@link d1Adapter}. */
export interface D1AdapterOptions extends KyselyOptions {
  /** The D1 binding, `env.DB` in a Worker or Pages Function; the adapter is unavailable without it. */
  database: D1Database | undefined | null
  /**
   * Runs every query of the provider in one session of D1's Sessions API, so reads may be served
   * by read replicas while staying sequentially consistent:
   *
   * - `'first-unconstrained'`: the first query goes to any replica (fastest; may be behind);
   * - `'first-primary'`: the first query goes to the primary (the latest data);
   * - a bookmark from {@link d1Bookmark} of an earlier provider (for example one a client sent
   *   back from its previous request): the first query sees at least everything that provider
   *   had seen or written, so a client reads its own writes across requests.
   *
   * Without it, every query goes to the primary database, as D1 does without sessions.
   */
  session?: 'first-primary' | 'first-unconstrained' | (string & {})
}

/** The session of each provider opened with one, read by {@link d1Bookmark}. */
const sessions = new WeakMap<StorageProvider<unknown>, D1DatabaseSession>()
/** Providers opened by this adapter without a session: their queries all reach the primary. */
const primaryOnly = new WeakSet<StorageProvider<unknown>>()

/** D1's limit on bound parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/**
 * The `d1` adapter: Cloudflare D1 through its Workers binding.
 *
 * - `batch()` is one `D1Database.batch()` call, atomic.
 * - Queries above D1's 100 bound parameters are made to fit: a multi-row insert is split into
 *   statements sent in one atomic batch, a long `in (...)` list is read from `json_each(?)`.
 * - `session` runs every query in one session of D1's Sessions API (read replicas with
 *   read-your-writes); {@link d1Bookmark} gives the bookmark to continue it in the next request.
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
    async open<DB>(): Promise<StorageProvider<DB>> {
      if (!options.database) {
        throw new StorageUnavailableError('d1Adapter was given no database binding', { adapter: 'd1' })
      }
      const session = options.session === undefined ? undefined : startSession(options.database, options.session)
      const driver = new D1Driver(session ?? options.database)
      const provider = await createProvider<DB>(
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
      if (session) sessions.set(provider as StorageProvider<unknown>, session)
      else primaryOnly.add(provider as StorageProvider<unknown>)
      return provider
    },
  }
}

/**
 * The bookmark of the latest query a D1 provider opened with a `session` ran: hand it to the
 * client with the response, and open the next request's provider with it as `session` to
 * continue the session there: that request reads at least what this one wrote.
 *
 * @param storage - a provider opened by {@link d1Adapter}
 * @returns the bookmark; `null` if the session has run no query yet, or if the provider was opened
 *   without a `session` (all its queries then reach the primary, so there is nothing to carry)
 * @throws `UnsupportedOperationError` for a provider of another adapter
 * @example
 * ```ts
 * const bookmark = request.headers.get('x-d1-bookmark') ?? 'first-unconstrained'
 * const storage = await createStorage<Database>({ adapters: d1Adapter({ database: env.DB, session: bookmark }) })
 * const response = Response.json(await storage.db.selectFrom('items').selectAll().execute())
 * response.headers.set('x-d1-bookmark', d1Bookmark(storage) ?? '')
 * ```
 */
export function d1Bookmark<DB>(storage: StorageProvider<DB>): string | null {
  const session = sessions.get(storage as StorageProvider<unknown>)
  if (session) return session.getBookmark()
  if (primaryOnly.has(storage as StorageProvider<unknown>)) return null
  throw new UnsupportedOperationError(
    `d1Bookmark() reads the session of a provider opened by d1Adapter; this one is ${storage.adapter}'s`,
    { adapter: storage.adapter },
  )
}

function startSession(database: D1Database, constraintOrBookmark: string): D1DatabaseSession {
  if (typeof constraintOrBookmark !== 'string' || constraintOrBookmark.trim() === '') {
    throw new StorageError(
      'INVALID_PARAMETER',
      "session must be 'first-primary', 'first-unconstrained' or a bookmark from d1Bookmark()",
      { adapter: 'd1' },
    )
  }
  if (typeof database.withSession !== 'function') {
    throw new UnsupportedOperationError(
      'this D1 binding has no withSession(): the Sessions API needs a current Workers runtime (compatibility date 2025-04-01 or later)',
      { adapter: 'd1' },
    )
  }
  return database.withSession(constraintOrBookmark)
}
