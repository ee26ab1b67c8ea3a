import { SqliteAdapter } from 'kysely'
import { ConnectionMutex } from '../../core/connection-mutex.js'

/**
 * Kysely's SQLite dialect adapter with a migration lock that holds on D1. Kysely's own takes no
 * lock: on SQLite the one connection, reserved for the `Migrator` from start to end, keeps every
 * other migrator waiting. D1 has no such connection, so several migrators of one provider would run
 * the same migration each; this lock makes them take turns. It holds within one provider only;
 * see the D1 notes on migrating from several Workers isolates at once.
 */
export class D1DialectAdapter extends SqliteAdapter {
  readonly #migrationLock = new ConnectionMutex()

  override acquireMigrationLock(): Promise<void> {
    return this.#migrationLock.lock()
  }

  override async releaseMigrationLock(): Promise<void> {
    this.#migrationLock.unlock()
  }
}
