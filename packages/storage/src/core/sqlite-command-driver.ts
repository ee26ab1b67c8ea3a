import { CompiledQuery, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely'
import { quoteIdentifier } from './quote-identifier.js'

/**
 * Base of drivers for engines that speak SQLite's own transaction statements (`begin`, `commit`,
 * `savepoint`, ...) on their one connection: subclasses supply the connection and its lifecycle.
 */
export abstract class SqliteCommandDriver implements Driver {
  abstract init(): Promise<void>
  abstract acquireConnection(): Promise<DatabaseConnection>
  abstract releaseConnection(connection: DatabaseConnection): Promise<void>
  abstract destroy(): Promise<void>

  async beginTransaction(connection: DatabaseConnection, _settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(BEGIN)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT)
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK)
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`))
  }
}

const BEGIN = CompiledQuery.raw('begin')
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')
