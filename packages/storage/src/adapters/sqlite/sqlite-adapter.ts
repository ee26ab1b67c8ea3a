import type { KyselyOptions } from '../../core/create-provider.js'
import { createProvider } from '../../core/create-provider.js'
import { StorageUnavailableError } from '../../core/errors.js'
import type { StorageAdapter, StorageProvider } from '../../core/storage-provider.js'
import type { BetterSqliteDatabase } from './better-sqlite-database.js'
import { BetterSqliteDriver } from './better-sqlite-driver.js'
import { retryWhileBusy } from './busy-retry.js'

/** Options of {@link sqliteAdapter}. */
export interface SqliteAdapterOptions extends KyselyOptions {
  /** Database file; `':memory:'` (the default) keeps the database in memory. */
  filename?: string
  /**
   * An open better-sqlite3 database to use instead of opening `filename`. The adapter configures
   * it (foreign keys on) but does not close it: the caller owns it.
   */
  database?: BetterSqliteDatabase
  /** Prepared statements kept for reuse (default 256; 0 disables the cache). */
  statementCacheSize?: number
  /**
   * How long, in milliseconds, a statement waits in all for a lock another connection (another
   * process, or another provider on the same file) holds, before failing with `STORAGE_BUSY`
   * (default 5000). The wait never blocks the event loop: the statement is tried again after
   * growing pauses. SQLite's own synchronous busy wait is switched off (`busy_timeout = 0`), also
   * on a `database` handle passed in.
   */
  busyTimeout?: number
}

/** How long a statement waits for another connection's lock unless told otherwise (ms). */
const DEFAULT_BUSY_TIMEOUT = 5000

/** SQLite's default limit on bound parameters per statement (`SQLITE_MAX_VARIABLE_NUMBER`). */
const SQLITE_MAX_BOUND_PARAMETERS = 32766

/**
 * The `sqlite` adapter: SQLite in Node through better-sqlite3, on a file (WAL) or in memory.
 *
 * @param options - the file to open, or a database handle to use
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { sqliteAdapter } from '@inventory/storage/sqlite'
 *
 * const storage = await createStorage<Database>({ adapters: sqliteAdapter({ filename: '.data/app.sqlite' }) })
 * ```
 */
export function sqliteAdapter(options: SqliteAdapterOptions = {}): StorageAdapter {
  const config = Object.freeze({ ...options })
  const filename = config.filename ?? ':memory:'
  let unavailable: string | undefined
  return {
    name: 'sqlite',
    async isAvailable() {
      if (config.database) return true
      try {
        await loadBetterSqlite()
        unavailable = undefined
        return true
      } catch (error) {
        unavailable = (error as Error).message
        return false
      }
    },
    unavailableReason: () => unavailable,
    open<DB>(): Promise<StorageProvider<DB>> {
      const busyTimeout = config.busyTimeout ?? DEFAULT_BUSY_TIMEOUT
      const driver = new BetterSqliteDriver({
        database: async () => {
          const database = config.database ?? new (await loadBetterSqlite())(filename)
          try {
            await configure(database, config.database ? undefined : filename, busyTimeout)
          } catch (error) {
            if (!config.database) database.close()
            throw error
          }
          return database
        },
        ownsDatabase: !config.database,
        statementCacheSize: config.statementCacheSize ?? 256,
        openFile: async (bytes) => new (await loadBetterSqlite())(Buffer.from(bytes)),
        busyTimeout,
      })
      return createProvider<DB>(
        {
          adapter: 'sqlite',
          capabilities: {
            interactiveTransactions: true,
            persistent: !isMemory(filename) || config.database !== undefined,
            crossTabSync: false,
            maxBoundParameters: SQLITE_MAX_BOUND_PARAMETERS,
          },
          driver,
        },
        { log: config.log, plugins: config.plugins },
      )
    },
  }
}

type BetterSqliteConstructor = new (filename: string | Buffer) => BetterSqliteDatabase

async function loadBetterSqlite(): Promise<BetterSqliteConstructor> {
  try {
    const module = (await import('better-sqlite3')) as unknown as { default: BetterSqliteConstructor }
    return module.default
  } catch (error) {
    throw new StorageUnavailableError(
      'better-sqlite3 could not be loaded; install it with `npm install better-sqlite3` (Node only)',
      { adapter: 'sqlite', cause: error },
    )
  }
}

async function configure(
  database: BetterSqliteDatabase,
  filename: string | undefined,
  busyTimeout: number,
): Promise<void> {
  // First of all: switching to WAL needs a lock another process may hold, and waiting for it must
  // neither fail at once nor block the event loop (see retryWhileBusy).
  database.pragma('busy_timeout = 0')
  database.pragma('foreign_keys = ON')
  if (filename !== undefined && !isMemory(filename)) {
    await retryWhileBusy(() => database.pragma('journal_mode = WAL'), busyTimeout, 'sqlite')
    database.pragma('synchronous = NORMAL')
  }
}

function isMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '' || filename.startsWith('file::memory:')
}
