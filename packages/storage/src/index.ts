/**
 * `@inventory/storage`: one Kysely-typed SQLite data layer for local development (better-sqlite3),
 * Cloudflare D1 and the browser (IndexedDB, localStorage). This entry point holds the core; each
 * adapter is its own entry point (`@inventory/storage/sqlite`, ...).
 *
 * @module
 */
export { createProvider, type KyselyOptions } from './core/create-provider.js'
export { type AdapterSelection, type CreateStorageOptions, createStorage } from './core/create-storage.js'
export {
  type AbortSignalLike,
  type CopiedTable,
  type CopyDataOptions,
  type CopyProgress,
  type CopyReport,
  copyData,
} from './core/copy-data.js'
export { type ExportDatabaseOptions, exportDatabase, importDatabase } from './core/database-file.js'
export {
  CheckConstraintError,
  ConstraintError,
  type ConstraintErrorOptions,
  ForeignKeyConstraintError,
  LimitExceededError,
  MigrationError,
  NotNullConstraintError,
  type SkippedAdapter,
  StorageError,
  type StorageErrorCode,
  type StorageErrorOptions,
  type StorageLimit,
  StorageQuotaError,
  StorageUnavailableError,
  UniqueConstraintError,
  UnsupportedOperationError,
} from './core/errors.js'
export {
  type LiveQuery,
  type LiveQueryObserver,
  type LiveQueryUnsubscribe,
  liveQuery,
} from './core/live-query.js'
export { exportMigrationsSql, type MigrationSql } from './core/migrations.js'
export type { Placeholder, Placeholders, PreparedQuery } from './core/prepared-query.js'
export type { MigrationBatchWrap, StorageEngine } from './core/storage-engine.js'
export type {
  ChangeEvent,
  MigrationReport,
  StorageAdapter,
  StorageCapabilities,
  StorageProvider,
} from './core/storage-provider.js'
