import {
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { SerialMigrationAdapter } from './serial-migration-adapter.js'

/** Options of {@link sqliteDialect}. */
export interface SqliteDialectOptions {
  /** Runs the queries. */
  driver: Driver
  /** Replaces Kysely's SQLite introspector (for engines with tables it must not read). */
  introspector?: ((db: Kysely<any>) => DatabaseIntrospector) | undefined
}

/**
 * SQLite's Kysely dialect around a driver of ours: Kysely's own SQLite adapter (with a migration
 * lock that holds on drivers with several connections), query compiler and (unless replaced)
 * introspector, so every Kysely the library builds compiles SQL the same way.
 *
 * @param options - the driver, and an introspector to use instead of Kysely's
 */
export function sqliteDialect(options: SqliteDialectOptions): Dialect {
  const { driver, introspector } = options
  return {
    createDriver: () => driver,
    createAdapter: () => new SerialMigrationAdapter(),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => introspector?.(db) ?? new SqliteIntrospector(db),
  }
}
