import type { CompiledQuery, DatabaseIntrospector, Driver, Kysely, QueryResult } from 'kysely'
import type { StorageCapabilities } from './storage-provider.js'

/**
 * What an adapter hands to {@link createProvider}: a Kysely driver for its engine plus what the
 * engine does natively. The core adds everything the contract promises on top of it (typed
 * errors, change events, atomic batches, parameter limits, migrations), so an adapter stays small.
 *
 * @example
 * ```ts
 * const provider = await createProvider<Database>({
 *   adapter: 'my-engine',
 *   capabilities: { interactiveTransactions: true, persistent: true, crossTabSync: false },
 *   driver: new MyEngineDriver(options),
 * })
 * ```
 */
export interface StorageEngine {
  /** The adapter's name, used in `provider.adapter` and in error messages. */
  readonly adapter: string
  /** What the engine can do. */
  readonly capabilities: StorageCapabilities
  /**
   * Executes one query at a time; errors may be the engine's own, the core maps them. Its
   * transaction methods receive the provider's wrapper of the connection (the one Kysely's `log`
   * sees), so they must run their statements through that connection's `executeQuery`. Results
   * must be what Kysely's SQLite driver gives: a statement that returns rows gives `rows` only;
   * any other gives `numAffectedRows` as SQLite's `changes()` counts them (cascades and triggers
   * excluded; 0 for a statement that changed no row) and `insertId` as `last_insert_rowid()`.
   */
  readonly driver: Driver
  /** Replaces Kysely's SQLite introspector (for engines with tables it must not read). */
  createIntrospector?(db: Kysely<any>): DatabaseIntrospector
  /**
   * Executes queries atomically in one native call. Without it, the core wraps the queries in a
   * transaction on one connection of {@link StorageEngine.driver}.
   */
  executeBatch?(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>
  /**
   * For engines without interactive transactions that cannot switch foreign keys off (D1): the
   * statements to send around a migration's own in its batch so that it loses no rows (a
   * `drop table` there deletes or nulls the rows that reference the table). Returns undefined when
   * none are needed; throws a `MigrationError` to refuse the migration before anything runs.
   */
  wrapMigrationBatch?(
    db: Kysely<any>,
    statements: readonly CompiledQuery[],
    migration: string,
  ): Promise<MigrationBatchWrap | undefined>
  /** Subscribes to writes committed elsewhere (other tabs); returns the unsubscribe function. */
  onRemoteChange?(listener: (tables: readonly string[]) => void): () => void
}

/** What {@link StorageEngine.wrapMigrationBatch} sends around a migration's statements, in one batch. */
export interface MigrationBatchWrap {
  /** Sent after the bookkeeping row, before the migration's statements. */
  readonly before: readonly CompiledQuery[]
  /** Sent after the migration's statements. */
  readonly after: readonly CompiledQuery[]
  /** The tables whose rows `after` puts back, named when the batch leaves foreign-key violations. */
  readonly tables: readonly string[]
}
