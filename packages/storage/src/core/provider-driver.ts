import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely'
import { StorageError } from './errors.js'
import { mapEngineError } from './map-engine-error.js'
import { type ExecutionPlan, planWithinParameterLimit } from './parameter-limit.js'
import { toUniformResult } from './uniform-result.js'
import { normalizeParameters } from './query-parameters.js'
import type { StorageEngine } from './storage-engine.js'
import { writtenTables } from './written-tables.js'

/**
 * Wraps an engine's Kysely driver with what every adapter must do alike: normalise parameters,
 * respect the engine's parameter limit, map engine errors to typed ones, and report each committed
 * write once (a transaction's writes at its commit, a rolled-back one's never).
 */
export class ProviderDriver implements Driver {
  readonly #engine: StorageEngine
  readonly #onCommit: (tables: ReadonlySet<string>) => void
  #initialized: Promise<void> | undefined
  #ready = false
  #closed = false
  readonly #connections = new WeakMap<DatabaseConnection, TrackedConnection>()

  constructor(engine: StorageEngine, onCommit: (tables: ReadonlySet<string>) => void) {
    this.#engine = engine
    this.#onCommit = onCommit
  }

  init(): Promise<void> {
    this.#initialized ??= this.#engine.driver.init().then(
      () => {
        this.#ready = true
      },
      (error) => {
        throw mapEngineError(error, this.#engine.adapter)
      },
    )
    return this.#initialized
  }

  acquireConnection(): Promise<TrackedConnection> {
    if (this.#closed) return Promise.reject(this.#closedError())
    if (!this.#ready) return this.init().then(() => this.acquireConnection())
    return this.#engine.driver.acquireConnection().then((inner) => {
      let connection = this.#connections.get(inner)
      if (!connection) {
        connection = new TrackedConnection(inner, this.#engine, this.#onCommit)
        this.#connections.set(inner, connection)
      }
      return connection
    })
  }

  async beginTransaction(connection: TrackedConnection, settings: TransactionSettings): Promise<void> {
    await this.#guard(() => this.#engine.driver.beginTransaction(connection.inner, settings))
    connection.pendingTables = new Set()
  }

  async commitTransaction(connection: TrackedConnection): Promise<void> {
    await this.#guard(() => this.#engine.driver.commitTransaction(connection.inner))
    const tables = connection.pendingTables
    connection.pendingTables = undefined
    if (tables?.size) this.#onCommit(tables)
  }

  async rollbackTransaction(connection: TrackedConnection): Promise<void> {
    connection.pendingTables = undefined
    await this.#guard(() => this.#engine.driver.rollbackTransaction(connection.inner))
  }

  async savepoint(connection: TrackedConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await this.#guard(() => this.#savepointCommand('savepoint', connection, name, compile))
  }

  async rollbackToSavepoint(connection: TrackedConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await this.#guard(() => this.#savepointCommand('rollbackToSavepoint', connection, name, compile))
  }

  async releaseSavepoint(connection: TrackedConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await this.#guard(() => this.#savepointCommand('releaseSavepoint', connection, name, compile))
  }

  releaseConnection(connection: TrackedConnection): Promise<void> {
    return this.#engine.driver.releaseConnection(connection.inner)
  }

  async destroy(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#initialized) await this.#engine.driver.destroy()
  }

  /**
   * Runs queries atomically: natively where the engine can, otherwise in a transaction on one
   * connection. Reports the written tables once, after the commit.
   */
  async executeBatch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    this.#assertOpen()
    const plans = queries.map((query) => planQuery(query, this.#engine))
    const statements = plans.flatMap((plan) => plan.statements)
    const connection = this.#engine.executeBatch ? undefined : await this.acquireConnection()
    let results: QueryResult<unknown>[]
    try {
      await this.init()
      results = await this.#guard(() => executeAtomically(this.#engine, connection?.inner, statements))
    } finally {
      if (connection) await this.releaseConnection(connection)
    }
    const tables = new Set<string>()
    for (const query of queries) for (const table of writtenTables(query)) tables.add(table)
    if (tables.size) this.#onCommit(tables)
    let offset = 0
    return plans.map((plan, index) => {
      const count = plan.statements.length
      const merged = plan.merge(results.slice(offset, offset + count))
      offset += count
      return toUniformResult(queries[index] as CompiledQuery, merged)
    })
  }

  async #savepointCommand(
    command: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint',
    connection: TrackedConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const method = this.#engine.driver[command]
    if (!method) {
      throw new StorageError('UNSUPPORTED_OPERATION', `savepoints are not supported by this engine`, {
        adapter: this.#engine.adapter,
      })
    }
    await method.call(this.#engine.driver, connection.inner, name, compile)
  }

  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw mapEngineError(error, this.#engine.adapter)
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closedError()
  }

  #closedError(): StorageError {
    return new StorageError('STORAGE_CLOSED', 'the storage provider is closed', { adapter: this.#engine.adapter })
  }
}

/** One engine connection, with the tables written by the transaction open on it, if any. */
class TrackedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection
  readonly #engine: StorageEngine
  readonly #onCommit: (tables: ReadonlySet<string>) => void
  pendingTables: Set<string> | undefined

  constructor(inner: DatabaseConnection, engine: StorageEngine, onCommit: (tables: ReadonlySet<string>) => void) {
    this.inner = inner
    this.#engine = engine
    this.#onCommit = onCommit
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { adapter, capabilities } = this.#engine
    const max = capabilities.maxBoundParameters
    if (max !== undefined && query.parameters.length > max) return this.#executePlanned(query)
    // The common case, kept free of extra promises: one statement within the parameter limit.
    let statement: CompiledQuery
    try {
      statement = normalizeParameters(query, adapter)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.inner.executeQuery<R>(statement).then(
      (result) => {
        this.#recordWrite(query)
        return toUniformResult(query, result)
      },
      (error) => {
        throw mapEngineError(error, adapter)
      },
    )
  }

  async #executePlanned<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    let result: QueryResult<unknown>
    try {
      const plan = planQuery(query, this.#engine)
      // Inside an open transaction the statements are atomic already; outside, make them so.
      const results = this.pendingTables
        ? await executeSequentially(this.inner, plan.statements)
        : await executeAtomically(this.#engine, this.inner, plan.statements)
      result = plan.merge(results)
    } catch (error) {
      throw mapEngineError(error, this.#engine.adapter)
    }
    this.#recordWrite(query)
    return toUniformResult(query, result as QueryResult<R>)
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(normalizeParameters(query, this.#engine.adapter), chunkSize)
  }

  #recordWrite(query: CompiledQuery): void {
    const tables = writtenTables(query)
    if (tables.length === 0) return
    if (this.pendingTables) {
      for (const table of tables) this.pendingTables.add(table)
    } else {
      this.#onCommit(new Set(tables))
    }
  }
}

/** Fits the query into the engine's parameter limit, then normalises each statement's parameters. */
function planQuery(query: CompiledQuery, engine: StorageEngine): ExecutionPlan {
  const plan = planWithinParameterLimit(query, engine.capabilities.maxBoundParameters, engine.adapter)
  return { ...plan, statements: plan.statements.map((statement) => normalizeParameters(statement, engine.adapter)) }
}

/** Runs statements all-or-nothing: in the engine's native batch, or in a transaction on `connection`. */
async function executeAtomically(
  engine: StorageEngine,
  connection: DatabaseConnection | undefined,
  statements: readonly CompiledQuery[],
): Promise<QueryResult<unknown>[]> {
  if (statements.length === 0) return []
  if (engine.executeBatch) return engine.executeBatch(statements)
  if (!connection) throw new Error('executeAtomically needs a connection when the engine has no native batch')
  await engine.driver.beginTransaction(connection, {})
  try {
    const results = await executeSequentially(connection, statements)
    await engine.driver.commitTransaction(connection)
    return results
  } catch (error) {
    await engine.driver.rollbackTransaction(connection).catch(() => undefined)
    throw error
  }
}

async function executeSequentially(
  connection: DatabaseConnection,
  statements: readonly CompiledQuery[],
): Promise<QueryResult<unknown>[]> {
  const results: QueryResult<unknown>[] = []
  for (const statement of statements) results.push(await connection.executeQuery(statement))
  return results
}
