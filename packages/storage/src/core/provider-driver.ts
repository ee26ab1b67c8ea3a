import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely'
import { failWithCallerStack } from './caller-stack.js'
import type { DatabaseFileConnection } from './database-file.js'
import { StorageError } from './errors.js'
import { mapEngineError } from './map-engine-error.js'
import { type ExecutionPlan, planWithinParameterLimit } from './parameter-limit.js'
import type { StatementRun } from './insert-many.js'
import { normalizeParameters } from './query-parameters.js'
import { canExecuteRepeated } from './repeated-statement.js'
import type { StorageEngine } from './storage-engine.js'
import { WorkInFlight } from './work-in-flight.js'
import { writtenTables } from './written-tables.js'

/**
 * Lends a connection the way Kysely's executor does: acquired through Kysely, so that the
 * connection is the one Kysely's `log` wraps, and released when `run` settles.
 */
export type ConnectionProvider = <T>(run: (connection: DatabaseConnection) => Promise<T>) => Promise<T>

/**
 * Wraps an engine's Kysely driver with what every adapter must do alike: normalise parameters,
 * respect the engine's parameter limit, map engine errors to typed ones that keep the caller's
 * stack, report each committed write once (a transaction's writes at its commit, a rolled-back
 * one's never), and close only when the work already started has finished.
 */
export class ProviderDriver implements Driver {
  readonly #engine: StorageEngine
  readonly #onCommit: (tables: ReadonlySet<string>) => void
  readonly #work = new WorkInFlight()
  readonly #connections = new WeakMap<DatabaseConnection, TrackedConnection>()
  #initialized: Promise<void> | undefined
  #ready = false
  #closing: Promise<void> | undefined

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

  /**
   * Lends the connection to one query or one transaction; refused once closing has begun. Each
   * connection lent counts as work in flight until it is released.
   */
  acquireConnection(): Promise<TrackedConnection> {
    if (this.#closing) return Promise.reject(this.#closedError())
    this.#work.start()
    return this.#acquire().catch((error: unknown) => {
      this.#work.finish()
      throw error
    })
  }

  // The transaction statements run through the connection Kysely holds, not the engine's inner one:
  // Kysely's `log` wraps that connection, so it sees them as it sees them with its own drivers.
  async beginTransaction(connection: TrackedConnection, settings: TransactionSettings): Promise<void> {
    await this.#guard(() => this.#engine.driver.beginTransaction(connection, settings))
    connection.pendingTables = new Set()
  }

  async commitTransaction(connection: TrackedConnection): Promise<void> {
    await this.#guard(() => this.#engine.driver.commitTransaction(connection))
    const tables = connection.pendingTables
    connection.pendingTables = undefined
    if (tables?.size) this.#onCommit(tables)
  }

  async rollbackTransaction(connection: TrackedConnection): Promise<void> {
    connection.pendingTables = undefined
    await this.#guard(() => this.#engine.driver.rollbackTransaction(connection))
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

  async releaseConnection(connection: TrackedConnection): Promise<void> {
    try {
      await this.#engine.driver.releaseConnection(connection.inner)
    } finally {
      this.#work.finish()
    }
  }

  /**
   * Closes once every query, transaction and batch already started has finished; whatever starts
   * after this was called is refused with `STORAGE_CLOSED`.
   */
  destroy(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  /**
   * Runs queries atomically: natively where the engine can, otherwise in a transaction on a
   * connection from `provideConnection`, like any transaction of Kysely's. Reports the written
   * tables once, after the commit.
   *
   * @param queries - the compiled queries, in order
   * @param provideConnection - lends a connection through Kysely, for engines without a native batch
   */
  executeBatch(
    queries: readonly CompiledQuery[],
    provideConnection: ConnectionProvider,
  ): Promise<QueryResult<unknown>[]> {
    if (this.#closing) return Promise.reject(this.#closedError())
    if (queries.length === 0) return Promise.resolve([])
    if (!this.#engine.executeBatch) return provideConnection((connection) => this.#transact(connection, queries))
    this.#work.start()
    return this.#executeNatively(queries).finally(() => this.#work.finish())
  }

  /**
   * Runs one compiled query on the engine's connection, without Kysely's executor: for prepared
   * queries of a provider with no `log` and no plugins, which have nothing to see or transform.
   */
  async executeDirect(query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (this.#closing) throw this.#closedError()
    const { driver } = this.#engine
    this.#work.start()
    try {
      if (!this.#ready) await this.init()
      const inner = await driver.acquireConnection()
      try {
        return await this.#tracked(inner).executeQuery(query)
      } finally {
        await driver.releaseConnection(inner)
      }
    } finally {
      this.#work.finish()
    }
  }

  /**
   * Runs runs of statements that share one SQL text atomically, the fast way, and sums their
   * results: natively where the engine can (as {@link ProviderDriver.executeBatch}), otherwise in
   * one transaction whose statements go straight to the engine's connection, each SQL text prepared
   * once by its statement cache (and run in one call where the connection can), without a log line
   * or a change record per statement. Reports the written tables once.
   *
   * @param runs - statements within the engine's parameter limit, their values normalised, in order
   * @param provideConnection - lends a connection through Kysely, for engines without a native batch
   * @returns the rows they changed in all, and the last `insertId`
   */
  async executeMany(runs: readonly StatementRun[], provideConnection: ConnectionProvider): Promise<QueryResult<never>> {
    if (this.#closing || this.#engine.executeBatch) {
      const statements = runs.flatMap(({ template, parameterSets }) =>
        parameterSets.map((parameters) => withParameters(template, parameters)),
      )
      const sum = new ResultSum()
      for (const result of await this.executeBatch(statements, provideConnection)) sum.add(result)
      return sum.result()
    }
    return provideConnection((connection) => this.#transactMany(connection as TrackedConnection, runs))
  }

  async #transactMany(connection: TrackedConnection, runs: readonly StatementRun[]): Promise<QueryResult<never>> {
    const { adapter } = this.#engine
    const inner = connection.inner
    await this.beginTransaction(connection, {})
    try {
      const sum = new ResultSum()
      for (const { template, parameterSets } of runs) {
        for (const table of writtenTables(template)) connection.pendingTables?.add(table)
        if (canExecuteRepeated(inner)) {
          sum.add(await inner.executeRepeated(template.sql, parameterSets))
        } else {
          for (const parameters of parameterSets)
            sum.add(await inner.executeQuery(withParameters(template, parameters)))
        }
      }
      await this.commitTransaction(connection)
      return sum.result()
    } catch (error) {
      await this.rollbackTransaction(connection).catch(() => undefined)
      return await failWithCallerStack(error, (cause) => mapEngineError(cause, adapter))
    }
  }

  async #acquire(): Promise<TrackedConnection> {
    if (!this.#ready) await this.init()
    return this.#tracked(await this.#engine.driver.acquireConnection())
  }

  #tracked(inner: DatabaseConnection): TrackedConnection {
    let connection = this.#connections.get(inner)
    if (!connection) {
      connection = new TrackedConnection(inner, this.#engine, this.#onCommit)
      this.#connections.set(inner, connection)
    }
    return connection
  }

  async #close(): Promise<void> {
    await this.#work.drained()
    if (!this.#initialized) return
    // An engine that failed halfway through opening may still hold its store: close it all the same.
    await this.#initialized.catch(() => undefined)
    await this.#engine.driver.destroy()
  }

  async #transact(connection: DatabaseConnection, queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const tracked = connection as TrackedConnection
    await this.beginTransaction(tracked, {})
    try {
      const results: QueryResult<unknown>[] = []
      for (const query of queries) results.push(await connection.executeQuery(query))
      await this.commitTransaction(tracked)
      return results
    } catch (error) {
      await this.rollbackTransaction(tracked).catch(() => undefined)
      throw error
    }
  }

  async #executeNatively(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const executeBatch = this.#engine.executeBatch as NonNullable<StorageEngine['executeBatch']>
    await this.init()
    const plans = queries.map((query) => planQuery(query, this.#engine))
    const results = await this.#guard(() => executeBatch(plans.flatMap((plan) => plan.statements)))
    const tables = new Set<string>()
    for (const query of queries) for (const table of writtenTables(query)) tables.add(table)
    if (tables.size) this.#onCommit(tables)
    let offset = 0
    return plans.map((plan) => {
      const count = plan.statements.length
      const merged = plan.merge(results.slice(offset, offset + count))
      offset += count
      return merged
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
    await method.call(this.#engine.driver, connection, name, compile)
  }

  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw mapEngineError(error, this.#engine.adapter)
    }
  }

  #closedError(): StorageError {
    return new StorageError('STORAGE_CLOSED', 'the storage provider is closed', { adapter: this.#engine.adapter })
  }
}

function withParameters(template: CompiledQuery, parameters: readonly unknown[]): CompiledQuery {
  return { sql: template.sql, query: template.query, queryId: template.queryId, parameters }
}

/** Adds up the affected rows of many writes and keeps the last insert id. */
class ResultSum {
  #affected = BigInt(0)
  #insertId: bigint | undefined

  add(result: QueryResult<unknown>): void {
    if (result.numAffectedRows !== undefined) this.#affected += result.numAffectedRows
    if (result.insertId !== undefined) this.#insertId = result.insertId
  }

  result(): QueryResult<never> {
    return { rows: [], numAffectedRows: this.#affected, insertId: this.#insertId }
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

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { adapter, capabilities } = this.#engine
    const max = capabilities.maxBoundParameters
    let result: QueryResult<R>
    try {
      result =
        max !== undefined && query.parameters.length > max
          ? ((await this.#executePlanned(query)) as QueryResult<R>)
          : await this.inner.executeQuery<R>(normalizeParameters(query, adapter))
    } catch (error) {
      return await failWithCallerStack(error, (cause) => mapEngineError(cause, adapter))
    }
    this.#recordWrite(query)
    return result
  }

  /** Runs a query above the engine's parameter limit as the statements that fit. */
  async #executePlanned(query: CompiledQuery): Promise<QueryResult<unknown>> {
    const plan = planQuery(query, this.#engine)
    // Inside an open transaction the statements are atomic already; outside, make them so.
    const results = this.pendingTables
      ? await executeSequentially(this.inner, plan.statements)
      : await executeAtomically(this.#engine, this.inner, plan.statements)
    return plan.merge(results)
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(normalizeParameters(query, this.#engine.adapter), chunkSize)
  }

  /** The engine connection's whole-file access (export and import), where it has one. */
  databaseFile(): DatabaseFileConnection | undefined {
    const inner = this.inner as Partial<DatabaseFileConnection>
    if (typeof inner.exportDatabase !== 'function' || typeof inner.importDatabase !== 'function') return undefined
    return {
      exportDatabase: () => this.#guard(() => (inner as DatabaseFileConnection).exportDatabase()),
      importDatabase: (bytes) => this.#guard(() => (inner as DatabaseFileConnection).importDatabase(bytes)),
    }
  }

  /** Reports tables replaced outside any query (an imported file) as one committed write. */
  announce(tables: readonly string[]): void {
    if (tables.length) this.#onCommit(new Set(tables))
  }

  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw mapEngineError(error, this.#engine.adapter)
    }
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

/**
 * Runs the statements of one query all-or-nothing: in the engine's native batch, or in a
 * transaction on the engine's own connection. Kysely's `log` sees the query once, not its parts.
 */
async function executeAtomically(
  engine: StorageEngine,
  connection: DatabaseConnection,
  statements: readonly CompiledQuery[],
): Promise<QueryResult<unknown>[]> {
  if (engine.executeBatch) return engine.executeBatch(statements)
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
