import {
  type Compilable,
  type CompiledQuery,
  Kysely,
  type KyselyConfig,
  type Migration,
  type QueryResult,
  type Transaction,
} from 'kysely'
import { UnsupportedOperationError } from './errors.js'
import { runMigrations } from './migrations.js'
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
  readonly #wrapMigrationBatch: StorageEngine['wrapMigrationBatch']

  constructor(engine: StorageEngine, options: KyselyOptions) {
    this.adapter = engine.adapter
    this.capabilities = Object.freeze({ ...engine.capabilities })
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
