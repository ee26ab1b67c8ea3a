import { SqliteAdapter } from 'kysely'
import { ConnectionMutex } from './connection-mutex.js'

/**
 * Kysely's SQLite dialect adapter with a migration lock that holds whatever the driver does with
 * connections. Kysely's own takes no lock: with SQLite's one connection, reserved for a `Migrator`
 * from start to end, every other migrator waits for it. A driver that hands out several
 * connections (D1's) gives no such guarantee, and concurrent migrators of one provider would each
 * run the same migration; this lock makes them take turns. It holds within one Kysely instance,
 * so within one provider, not across processes or Workers isolates.
 */
export class SerialMigrationAdapter extends SqliteAdapter {
  readonly #migrationLock = new ConnectionMutex()

  override acquireMigrationLock(): Promise<void> {
    return this.#migrationLock.lock()
  }

  override async releaseMigrationLock(): Promise<void> {
    this.#migrationLock.unlock()
  }
}
