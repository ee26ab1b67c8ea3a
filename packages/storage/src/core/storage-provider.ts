import type {
  Compilable,
  Insertable,
  InsertResult,
  Kysely,
  Migration,
  QueryResult,
  RawBuilder,
  Transaction,
} from 'kysely'
import type { Placeholders, PreparedQuery } from './prepared-query.js'

/** What an adapter can and cannot do; the conformance suite skips only what is declared absent. */
export interface StorageCapabilities {
  /** `transaction()` can hold a transaction open across awaits (false on D1). */
  readonly interactiveTransactions: boolean
  /** Data outlives the process or page (false for `:memory:`). */
  readonly persistent: boolean
  /** Writes made by other tabs or processes are announced through `onChange` with `source: 'remote'`. */
  readonly crossTabSync: boolean
  /** The most bound parameters one statement may carry; larger inserts are split for you. */
  readonly maxBoundParameters?: number
}

/** Announces a committed write. */
export interface ChangeEvent {
  /** The tables the write touched, sorted, without duplicates. */
  readonly tables: readonly string[]
  /** `'local'` for writes through this provider, `'remote'` for writes another tab or process committed. */
  readonly source: 'local' | 'remote'
}

/** What {@link StorageProvider.migrate} did. */
export interface MigrationReport {
  /** Migrations applied by this call, in the order they ran. */
  readonly applied: readonly string[]
  /** Migrations that were already applied before this call. */
  readonly alreadyApplied: readonly string[]
}

/**
 * An open database: a Kysely instance plus the few operations Kysely alone cannot make behave
 * the same on every engine.
 *
 * @template DB - the database schema, as for `Kysely<DB>`
 * @example
 * ```ts
 * const storage = await createStorage<Database>({ adapters: sqliteAdapter({ filename: 'app.sqlite' }) })
 * await storage.migrate(migrations)
 * const items = await storage.db.selectFrom('items').selectAll().execute()
 * ```
 */
export interface StorageProvider<DB> extends AsyncDisposable {
  /** The adapter that was opened: `'sqlite'`, `'d1'`, `'indexeddb'` or `'local-storage'`. */
  readonly adapter: string
  /** Full Kysely, SQLite dialect, on every adapter. */
  readonly db: Kysely<DB>
  /** What this adapter can do. */
  readonly capabilities: StorageCapabilities
  /**
   * Runs queries atomically, in order: all apply or none does.
   *
   * @param queries - queries built with {@link StorageProvider.db}, not executed
   * @returns one result per query, in order
   */
  batch(queries: readonly Compilable[]): Promise<QueryResult<unknown>[]>
  /**
   * Builds and compiles a query once, with named placeholders for the values that change, to run it
   * many times: each `execute` only binds values to the engine's prepared statement. `$('name')`
   * stands for the value `name`; declare the values' types on `$` (`$: Placeholders<{ id: number }>`)
   * and Kysely checks each placeholder against the column it is compared with or inserted into.
   * Results have the types and shapes the same Kysely query gives. Without Kysely `log` or plugins
   * configured, executes skip Kysely's executor (nothing to log or transform), which is most of
   * the saving; with them, they go through it and are logged and transformed as usual.
   *
   * A placeholder is one value: one standing for a whole `in` list is refused with
   * `INVALID_PARAMETER`. `execute` runs outside any transaction, waiting for an open one to end;
   * inside a transaction's callback run the query as `trx.executeQuery(query.bind(values))`.
   *
   * @template O - one result row, as Kysely infers it for the query built
   * @template P - the values, by placeholder name
   * @param build - builds the query from the provider's Kysely and `$`
   * @example
   * ```ts
   * const itemById = storage.prepare((db, $: Placeholders<{ id: number }>) =>
   *   db.selectFrom('items').selectAll().where('id', '=', $('id')),
   * )
   * const item = await itemById.executeTakeFirst({ id: 5 })
   * ```
   */
  prepare<O, P extends object = Record<string, any>>(
    build: (db: Kysely<DB>, $: Placeholders<P>) => Compilable<O> | RawBuilder<O>,
  ): PreparedQuery<P, O>
  /**
   * Inserts many rows the fast way, atomically: one statement prepared once and bound for each
   * row, inside one transaction (on D1, multi-row statements of the same SQL in one `batch()`).
   * Kysely builds and compiles one row's SQL, not a query holding every value. Rows take plain
   * values (no SQL expressions); a column left `undefined` gets its default, as with `values()`.
   * Kysely's `log` sees the transaction, not each row.
   *
   * @template T - the table
   * @param table - the table to insert into
   * @param rows - the rows, in the order they are inserted
   * @returns the rows inserted and the rowid of the last one, as Kysely's `InsertResult`
   * @example
   * ```ts
   * const result = await storage.insertMany('items', [
   *   { sku: 'A-1', name: 'Bolt' },
   *   { sku: 'A-2', name: 'Nut' },
   * ])
   * console.log(result.numInsertedOrUpdatedRows) // 2n
   * ```
   */
  insertMany<T extends keyof DB & string>(table: T, rows: readonly Insertable<DB[T]>[]): Promise<InsertResult>
  /**
   * Runs `fn` in an interactive transaction, committed when it resolves and rolled back when it
   * throws. Throws {@link UnsupportedOperationError} where the engine cannot hold a transaction open (D1).
   *
   * @template T - what `fn` resolves to
   * @param fn - the work to do inside the transaction
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>
  /**
   * Applies pending migrations in name order, each atomically, recorded in Kysely's
   * `kysely_migration` table.
   *
   * @param migrations - Kysely migrations keyed by name
   */
  migrate(migrations: Record<string, Migration>): Promise<MigrationReport>
  /**
   * Listens for committed writes: once per query, batch or transaction, never for a rolled-back one.
   *
   * @param listener - called with the tables written and where the write came from
   * @returns a function that removes the listener
   */
  onChange(listener: (event: ChangeEvent) => void): () => void
  /** Closes the database and releases its file, connection or page store. */
  close(): Promise<void>
  /** Closes the database, so that `await using storage = await createStorage(...)` cleans up. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * A way to open a {@link StorageProvider}. An adapter is a plain value; `createStorage` opens the
 * first one whose {@link StorageAdapter.isAvailable} is true.
 */
export interface StorageAdapter {
  /** The adapter's name, as it will appear in `provider.adapter` and in errors. */
  readonly name: string
  /** Whether this adapter can run here: the engine loads, the binding exists, storage really opens. */
  isAvailable(): boolean | Promise<boolean>
  /**
   * Optional: why the last {@link StorageAdapter.isAvailable} call answered false, in words a
   * person can act on. `createStorage` reports it on each skipped candidate.
   */
  unavailableReason?(): string | undefined
  /**
   * Opens the database.
   *
   * @template DB - the database schema
   */
  open<DB>(): Promise<StorageProvider<DB>>
}
