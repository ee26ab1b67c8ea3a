import type { DatabaseConnection } from 'kysely'
import { StorageError, UnsupportedOperationError } from './errors.js'
import type { StorageProvider } from './storage-provider.js'

/**
 * What an engine connection offers to read and replace the whole database as a SQLite file. The
 * provider lends the connection exclusively, between transactions, so neither call races a query.
 */
export interface DatabaseFileConnection {
  /** The database as the bytes of a standard SQLite file. */
  exportDatabase(): Promise<Uint8Array>
  /**
   * Replaces the whole database with the file `bytes`, atomically: all of it or, when the file is
   * refused, nothing. The bytes have passed {@link checkDatabaseFile}.
   *
   * @returns the tables of the replaced database and of the new one, for change events
   */
  importDatabase(bytes: Uint8Array): Promise<readonly string[]>
}

/** The provider driver's connection, which reaches the engine's file access and announces the import. */
interface ProviderFileConnection extends DatabaseConnection {
  databaseFile(): DatabaseFileConnection | undefined
  announce(tables: readonly string[]): void
}

/** Options of {@link exportDatabase}. */
export interface ExportDatabaseOptions {
  /**
   * An empty database to copy into where the adapter has no file to hand out (`d1`,
   * `durable-object`): a provider whose adapter exports files, such as `sqliteAdapter()` (memory) in
   * Node, or `indexedDbAdapter`/`localStorageAdapter` on a throwaway name in a browser. The schema
   * and every row are copied into it, and its file is returned. It is the caller's to close (it then
   * holds the copy) and serves one export. Passing it is what lets a Worker bundle stay free of any
   * engine: the core never loads one by itself. Ignored where the adapter has a file of its own.
   */
  readonly scratch?: StorageProvider<any>
}

/**
 * Reads the whole database as a standard SQLite file, the format the `sqlite3` command line,
 * better-sqlite3 and every SQLite open. Works on `sqlite`, `indexeddb` and `local-storage` directly.
 * `d1` and `durable-object` have no file a program can read; there the database is copied into the
 * empty `options.scratch` database first (tables, rows with their rowids and exact values,
 * `sqlite_sequence`, then indexes, views and triggers; D1's internal `_cf_*` tables left out), and
 * that copy's file is returned. Without a scratch database they throw
 * {@link UnsupportedOperationError} (`wrangler d1 export` exports D1 from outside). A D1 database
 * is read statement by statement, so writes made during the export may be only partly in it; a
 * Durable Object's is read in one transaction. Virtual tables (FTS) cannot be copied and are
 * refused. Waits for the transaction under way, if any.
 *
 * @param storage - the provider to read
 * @param options - the scratch database to copy into where the adapter has no file
 * @returns the file's bytes, a copy of its own; the file is in rollback-journal mode, whatever mode the database uses
 * @example
 * ```ts
 * import { exportDatabase } from '@inventory/storage'
 *
 * const file = await exportDatabase(storage)
 * const link = URL.createObjectURL(new Blob([file], { type: 'application/vnd.sqlite3' }))
 * ```
 * @example
 * From D1 in a Node script (wrangler's `getPlatformProxy`, or Miniflare), through an in-memory
 * `sqlite` database:
 * ```ts
 * import { createStorage, exportDatabase } from '@inventory/storage'
 * import { d1Adapter } from '@inventory/storage/d1'
 * import { sqliteAdapter } from '@inventory/storage/sqlite'
 *
 * const d1 = await createStorage({ adapters: d1Adapter({ database: env.DB }) })
 * const scratch = await createStorage({ adapters: sqliteAdapter() })
 * const file = await exportDatabase(d1, { scratch })
 * await scratch.close()
 * ```
 */
export async function exportDatabase(
  storage: StorageProvider<any>,
  options: ExportDatabaseOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { scratch } = options
  if (scratch !== undefined && !(await hasDatabaseFile(storage))) {
    if (scratch === storage) {
      throw new StorageError('INVALID_PARAMETER', 'exportDatabase: the scratch database must be another provider', {
        adapter: storage.adapter,
      })
    }
    if (!(await hasDatabaseFile(scratch))) {
      throw new UnsupportedOperationError(
        `exporting through a scratch database needs one whose adapter exports files, and ${scratch.adapter} does not; pass an empty sqlite (memory) or browser provider`,
        { adapter: storage.adapter },
      )
    }
    // Loaded on first use: bundles of apps that never export through a copy leave it out.
    const { copyIntoScratch } = await import('./copy-into-scratch.js')
    await copyIntoScratch(storage, scratch)
    return exportDatabase(scratch)
  }
  return withDatabaseFile(storage, 'export', async (file) => toRollbackJournalMode(await file.exportDatabase()))
}

/**
 * Replaces the whole database with a SQLite file, atomically: afterwards the database is exactly
 * the file, or, when the file is refused, exactly what it was. A file that is not a SQLite
 * database, or is damaged, is refused with a `StorageError` of code `CORRUPT_STORAGE`. The import
 * is announced like a commit that wrote every table of the old and the new database (`onChange`,
 * live queries, other tabs). Run `migrate()` afterwards to bring a file made by an older version of
 * the application up to date. Works on `sqlite`, `indexeddb` and `local-storage`.
 *
 * @param storage - the provider whose database is replaced
 * @param bytes - the SQLite file, e.g. from {@link exportDatabase} or `sqlite3 app.db .dump | ...`
 * @example
 * ```ts
 * import { importDatabase } from '@inventory/storage'
 *
 * const response = await fetch('/backup.sqlite')
 * await importDatabase(storage, new Uint8Array(await response.arrayBuffer()))
 * await storage.migrate(migrations)
 * ```
 */
export function importDatabase(storage: StorageProvider<any>, bytes: Uint8Array): Promise<void> {
  return withDatabaseFile(storage, 'import', async (file, connection) => {
    const checked = toRollbackJournalMode(checkDatabaseFile(bytes, storage.adapter))
    connection.announce(await file.importDatabase(checked))
  })
}

/** Whether the provider's adapter can hand out and replace its database as a file. */
function hasDatabaseFile(storage: StorageProvider<any>): Promise<boolean> {
  return storage.db.getExecutor().provideConnection(async (connection) => {
    const provided = connection as Partial<ProviderFileConnection>
    return typeof provided.databaseFile === 'function' && provided.databaseFile() !== undefined
  })
}

async function withDatabaseFile<T>(
  storage: StorageProvider<any>,
  operation: 'export' | 'import',
  run: (file: DatabaseFileConnection, connection: ProviderFileConnection) => Promise<T>,
): Promise<T> {
  return storage.db.getExecutor().provideConnection(async (connection) => {
    const provided = connection as Partial<ProviderFileConnection>
    const file = typeof provided.databaseFile === 'function' ? provided.databaseFile() : undefined
    if (!file) {
      throw new UnsupportedOperationError(
        operation === 'export'
          ? 'exporting a SQLite file is not supported by this adapter by itself: pass exportDatabase an empty scratch database to copy into ({ scratch }), or copy the data with copyData()'
          : 'importing a SQLite file is not supported by this adapter; copy the data with copyData() instead',
        { adapter: storage.adapter },
      )
    }
    return run(file, connection as ProviderFileConnection)
  })
}

/** SQLite's file header, the first 16 bytes of every database file. */
const SQLITE_HEADER = 'SQLite format 3\0'

/**
 * Refuses, with `CORRUPT_STORAGE`, bytes that cannot be a whole SQLite file: no SQLite header, an
 * impossible page size, a length that is not whole pages. The engine checks the content itself.
 *
 * @param bytes - the candidate file
 * @param adapter - the adapter, for the error
 * @returns the same bytes
 */
export function checkDatabaseFile(bytes: Uint8Array, adapter: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new StorageError('INVALID_PARAMETER', 'importDatabase expects the file as a Uint8Array', { adapter })
  }
  const refuse = (reason: string) =>
    new StorageError('CORRUPT_STORAGE', `the file is not a SQLite database that can be imported: ${reason}`, {
      adapter,
    })
  if (bytes.byteLength < 512) throw refuse(`it has ${bytes.byteLength} bytes, fewer than one page`)
  const header = new TextDecoder().decode(bytes.subarray(0, SQLITE_HEADER.length))
  if (header !== SQLITE_HEADER) throw refuse('it does not start with the SQLite header')
  const pageSize = databasePageSize(bytes)
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw refuse(`its page size ${pageSize} is not a power of two between 512 and 65536`)
  }
  if (bytes.byteLength % pageSize !== 0) {
    throw refuse(`its ${bytes.byteLength} bytes are not a whole number of ${pageSize}-byte pages`)
  }
  return bytes
}

/** The page size a SQLite file's header declares (bytes 16–17, big-endian; 1 means 65536). */
export function databasePageSize(bytes: Uint8Array): number {
  const value = (bytes[16] ?? 0) * 256 + (bytes[17] ?? 0)
  return value === 1 ? 65536 : value
}

/**
 * A copy of the file marked as a rollback-journal database (header bytes 18–19), as SQLite's own
 * backup of a WAL database is: the file then opens alone, without its `-wal` and `-shm` companions.
 */
function toRollbackJournalMode(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  // Always a copy of its own: the caller may keep it while the database changes, and a plain
  // ArrayBuffer is what Blob, Response and fetch accept.
  const copy = bytes.slice()
  copy[18] = 1
  copy[19] = 1
  return copy
}
