import {
  type Compilable,
  type CompiledQuery,
  type Insertable,
  InsertResult,
  Kysely,
  type KyselyConfig,
  type Migration,
  type QueryResult,
  type RawBuilder,
  type Transaction,
} from 'kysely'
import { UnsupportedOperationError } from './errors.js'
import { insertManyRuns } from './insert-many.js'
import { runMigrations } from './migrations.js'
import { CompiledPreparedQuery, Placeholder, type Placeholders, type PreparedQuery } from './prepared-query.js'
import { type ConnectionProvider, ProviderDriver } from './provider-driver.js'
import { sqliteDialect } from './sqlite-dialect.js'
import type { StorageEngine } from './storage-engine.js'
import type { ChangeEvent, MigrationReport, StorageCapabilities, StorageProvider } from './storage-provider.js'

/** Kysely options an adapter passes through to `new Kysely()`: query logging and plugins. */
export type KyselyOptions = Pick<KyselyConfig, 'log' | 'plugins'>

/**
 * Builds a {@link StorageProvider} from an engine: the adapter supplies the engine, the core supplies
 * every behaviour the contract promises. This is how the built-in adapters are made, and how a
 * new adapter should be.
 *
 * @template DB - the database schema
 * @param engine - the engine's driver and native abilities
 * @param options - Kysely's `log` and `plugins`, passed through
 */
export async function createProvider<DB>(
  engine: StorageEngine,
  options: KyselyOptions = {},
): Promise<StorageProvider<DB>> {
  const provider = new EngineProvider<DB>(engine, options)
  await provider.open()
  return provider
}

class EngineProvider<DB> implements StorageProvider<DB> {
  readonly adapter: string
  readonly capabilities: StorageCapabilities
  readonly db: Kysely<DB>
  readonly #driver: ProviderDriver
  readonly #listeners = new Set<(event: ChangeEvent) => void>()
  readonly #unsubscribeRemote: (() => void) | undefined
  readonly #provideConnection: ConnectionProvider
  /** Whether a compiled query may skip Kysely's executor: no `log` to write, no plugin to transform results. */
  readonly #executorIsInert: boolean
  readonly #hasNativeBatch: boolean
  readonly #wrapMigrationBatch: StorageEngine['wrapMigrationBatch']

  constructor(engine: StorageEngine, options: KyselyOptions) {
    this.#executorIsInert = options.log === undefined && (options.plugins?.length ?? 0) === 0
    this.adapter = engine.adapter
    this.capabilities = Object.freeze({ ...engine.capabilities })
    this.#hasNativeBatch = engine.executeBatch !== undefined
    this.#driver = new ProviderDriver(engine, (tables) => this.#emit([...tables], 'local'))
    this.db = new Kysely<DB>({
      ...options,
      dialect: sqliteDialect({ driver: this.#driver, introspector: engine.createIntrospector?.bind(engine) }),
    })
    this.#unsubscribeRemote = engine.onRemoteChange?.((tables) => this.#emit(tables, 'remote'))
    this.#wrapMigrationBatch = engine.wrapMigrationBatch?.bind(engine)
    const executor = this.db.getExecutor()
    this.#provideConnection = (run) => executor.provideConnection(run)
  }

  open(): Promise<void> {
    return this.#driver.init()
  }

  batch(queries: readonly Compilable[]): Promise<QueryResult<unknown>[]> {
    return this.#batch(queries.map((query) => query.compile()))
  }

  prepare<O, P extends object = Record<string, any>>(
    build: (db: Kysely<DB>, $: Placeholders<P>) => Compilable<O> | RawBuilder<O>,
  ): PreparedQuery<P, O> {
    const built = build(this.db, (name) => new Placeholder(name))
    const compiled = isRawBuilder(built) ? built.compile(this.db) : built.compile()
    const run = this.#executorIsInert
      ? (query: CompiledQuery) => this.#driver.executeDirect(query)
      : (query: CompiledQuery) => this.db.executeQuery(query)
    return new CompiledPreparedQuery<P, O>(compiled, run, this.adapter, this.capabilities.maxBoundParameters)
  }

  async insertMany<T extends keyof DB & string>(table: T, rows: readonly Insertable<DB[T]>[]): Promise<InsertResult> {
    if (rows.length === 0) return new InsertResult(undefined, BigInt(0))
    // A native batch pays per statement: fill each to the parameter limit. A transaction pays per
    // row bound, so one single-row statement, prepared once, serves every row.
    const max = this.capabilities.maxBoundParameters
    const rowsPerStatement = (columns: number) =>
      this.#hasNativeBatch && max !== undefined ? Math.floor(max / columns) : 1
    const runs = insertManyRuns(
      this.db,
      table,
      rows as readonly Record<string, unknown>[],
      rowsPerStatement,
      this.adapter,
    )
    const result = await this.#driver.executeMany(runs, this.#provideConnection)
    return new InsertResult(result.insertId, result.numAffectedRows ?? BigInt(0))
  }

  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    if (!this.capabilities.interactiveTransactions) {
      return Promise.reject(
        new UnsupportedOperationError(
          'interactive transactions are not supported here; build the queries first and run them atomically with batch([...])',
          { adapter: this.adapter },
        ),
      )
    }
    return this.db.transaction().execute(fn)
  }

  migrate(migrations: Record<string, Migration>): Promise<MigrationReport> {
    return runMigrations(this.db, migrations, {
      adapter: this.adapter,
      interactiveTransactions: this.capabilities.interactiveTransactions,
      batch: (queries) => this.#batch(queries),
      wrapMigrationBatch: this.#wrapMigrationBatch,
    })
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  async close(): Promise<void> {
    // Destroy our driver, not Kysely's wrapper of it: Kysely would then answer later queries with
    // its own untyped error instead of our STORAGE_CLOSED. It waits for the work under way, whose
    // writes are still announced to the listeners.
    await this.#driver.destroy()
    this.#unsubscribeRemote?.()
    this.#listeners.clear()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  #batch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    return this.#driver.executeBatch(queries, this.#provideConnection)
  }

  #emit(tables: readonly string[], source: ChangeEvent['source']): void {
    if (tables.length === 0) return
    const event: ChangeEvent = Object.freeze({ tables: Object.freeze([...new Set(tables)].sort()), source })
    for (const listener of [...this.#listeners]) {
      try {
        listener(event)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

function isRawBuilder<O>(query: Compilable<O> | RawBuilder<O>): query is RawBuilder<O> {
  return (query as Partial<RawBuilder<O>>).isRawBuilder === true
}
