import { type CompiledQuery, type Kysely, type Migration, type QueryResult, sql } from 'kysely'
import { ForeignKeyConstraintError, MigrationError, StorageError, UniqueConstraintError } from './errors.js'
import { ReadWhileRecordingError, recordingKysely } from './recording-kysely.js'
import type { StorageEngine } from './storage-engine.js'
import type { MigrationReport } from './storage-provider.js'

/** Kysely's bookkeeping tables, so Kysely's own `Migrator` and ours read the same history. */
export const MIGRATION_TABLE = 'kysely_migration'
export const MIGRATION_LOCK_TABLE = 'kysely_migration_lock'
const MIGRATION_LOCK_ID = 'migration_lock'

/** How {@link runMigrations} applies one migration atomically on a given provider. */
export interface MigrationTarget {
  readonly adapter: string
  /** Run each migration inside an interactive transaction (else: record it and send it as one batch). */
  readonly interactiveTransactions: boolean
  /** Executes compiled queries atomically. */
  batch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>
  /** Adds statements around a migration sent as one batch, so that it loses no rows. */
  wrapMigrationBatch?: StorageEngine['wrapMigrationBatch']
}

/** One migration as SQLite statements, for tools that apply `.sql` files. */
export interface MigrationSql {
  /** The migration's name, as a key of the migrations record. */
  readonly name: string
  /** Its statements, each ending with `;`, followed by the bookkeeping row in `kysely_migration`. */
  readonly sql: string
}

/**
 * Applies pending migrations in name order, each one atomically together with its bookkeeping row.
 * Where transactions are interactive the migration runs in one; elsewhere (D1) its statements are
 * recorded first and sent as one batch, which is impossible for a migration that reads data
 * midway: that one fails with a {@link MigrationError} before anything is applied.
 */
export async function runMigrations(
  db: Kysely<any>,
  migrations: Record<string, Migration>,
  target: MigrationTarget,
): Promise<MigrationReport> {
  const { adapter } = target
  await target.batch(bookkeepingTablesDdl(db))
  const executed = await db
    .selectFrom(MIGRATION_TABLE)
    .select('name')
    .orderBy('name')
    .execute()
    .then((rows: { name: string }[]) => rows.map((row) => row.name))
  const names = Object.keys(migrations).sort()
  const missing = executed.filter((name) => !(name in migrations))
  if (missing.length > 0) {
    throw new MigrationError(`applied migrations are missing from the given set: ${missing.join(', ')}`, { adapter })
  }
  const lastExecuted = executed[executed.length - 1]
  const executedSet = new Set(executed)
  const pending = names.filter((name) => !executedSet.has(name))
  const outOfOrder = pending.filter((name) => lastExecuted !== undefined && name < lastExecuted)
  if (outOfOrder.length > 0) {
    throw new MigrationError(
      `migrations ${outOfOrder.join(', ')} sort before the last applied one (${lastExecuted}); rename them to run after it`,
      { adapter, migration: outOfOrder[0] },
    )
  }
  const applied: string[] = []
  const alreadyApplied = [...executed]
  for (const name of pending) {
    const migration = migrations[name] as Migration
    try {
      if (target.interactiveTransactions) {
        // Checked again inside the transaction: another tab or process migrating the same
        // database at the same time may have applied it since the history was read.
        const appliedMeanwhile = await withForeignKeysOff(db, (connection) =>
          connection.transaction().execute(async (trx) => {
            const recorded = await trx
              .selectFrom(MIGRATION_TABLE)
              .select('name')
              .where('name', '=', name)
              .executeTakeFirst()
            if (recorded) return true
            await migration.up(trx)
            await refuseForeignKeyViolations(trx, name, adapter)
            await bookkeepingRow(trx, name).execute()
            return false
          }),
        )
        if (appliedMeanwhile) {
          alreadyApplied.push(name)
          continue
        }
      } else {
        const statements = await recordMigration(migration, name, adapter)
        const keeper = await target.wrapMigrationBatch?.(db, statements, name)
        // The bookkeeping row goes first: when another process (a second Workers isolate) applied
        // this migration since the history was read, the batch fails on that row before any of
        // the migration runs again, and applies nothing.
        await target
          .batch([
            bookkeepingRow(db, name).compile(),
            ...(keeper?.before ?? []),
            ...statements,
            ...(keeper?.after ?? []),
          ])
          .catch((error: unknown) => {
            if (!(keeper && error instanceof ForeignKeyConstraintError)) throw error
            throw new MigrationError(
              `migration "${name}" would leave rows of ${keeper.tables.join(', ')} pointing at rows that no longer exist; nothing of it was applied. Keep the rows they reference, or delete or update the rows that point at them in the same migration`,
              { adapter, migration: name, cause: error },
            )
          })
      }
    } catch (error) {
      if (isAlreadyRecorded(error)) {
        alreadyApplied.push(name)
        continue
      }
      if (error instanceof MigrationError) throw error
      const reason = error instanceof Error ? error.message : String(error)
      throw new MigrationError(`migration "${name}" failed and was rolled back: ${reason}`, {
        adapter,
        migration: name,
        cause: error,
      })
    }
    applied.push(name)
  }
  return { applied, alreadyApplied }
}

/**
 * The SQLite statements each migration runs, in name order, with parameters inlined, followed by
 * the row that records it in `kysely_migration`, so a database migrated from these files (for
 * example by `wrangler d1 migrations apply`) is also up to date for `provider.migrate()`.
 *
 * @param migrations - Kysely migrations keyed by name; none of them may read data
 * @returns one entry per migration, in the order they apply
 * @example
 * ```ts
 * for (const { name, sql } of await exportMigrationsSql(migrations)) {
 *   await writeFile(`migrations/${name}.sql`, sql)
 * }
 * ```
 */
export async function exportMigrationsSql(migrations: Record<string, Migration>): Promise<MigrationSql[]> {
  const db = recordingKysely([])
  const bookkeeping = bookkeepingTablesDdl(db)
  const result: MigrationSql[] = []
  for (const name of Object.keys(migrations).sort()) {
    const statements = await recordMigration(migrations[name] as Migration, name, 'export')
    const all = [
      ...bookkeeping,
      ...statements,
      bookkeepingRow(db, name, sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).compile(),
    ]
    result.push({ name, sql: `${all.map((query) => `${inlineParameters(query)};`).join('\n')}\n` })
  }
  return result
}

/**
 * Runs `run` on one connection with foreign keys off, and turns them on again afterwards, whatever
 * happens. This is SQLite's own procedure for changing a table: with foreign keys on, `drop table`
 * of a table being rebuilt deletes every `on delete cascade` child row and nulls every `on delete
 * set null` reference. SQLite ignores the pragma inside a transaction, so it comes before `begin`.
 */
async function withForeignKeysOff<T>(db: Kysely<any>, run: (connection: Kysely<any>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`pragma foreign_keys = off`.execute(connection)
    try {
      return await run(connection)
    } finally {
      await sql`pragma foreign_keys = on`.execute(connection)
    }
  })
}

/** Fails the migration, inside its transaction, when it left rows pointing at missing rows. */
async function refuseForeignKeyViolations(trx: Kysely<any>, name: string, adapter: string): Promise<void> {
  const { rows } = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(trx)
  if (rows.length === 0) return
  const counts = new Map<string, number>()
  for (const row of rows) {
    const key = `${row.table} (→ ${row.parent})`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const where = [...counts].map(([table, count]) => `${count} in ${table}`).join(', ')
  throw new MigrationError(
    `migration "${name}" would leave rows pointing at rows that no longer exist: ${where}; it was rolled back. Keep the rows they reference, or delete or update the rows that point at them in the same migration`,
    { adapter, migration: name },
  )
}

/** Whether `error` is the bookkeeping row of a migration clashing with the same row recorded meanwhile. */
function isAlreadyRecorded(error: unknown): boolean {
  return error instanceof UniqueConstraintError && error.table === MIGRATION_TABLE
}

function bookkeepingTablesDdl(db: Kysely<any>): CompiledQuery[] {
  return [
    db.schema
      .createTable(MIGRATION_TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
      .compile(),
    db.schema
      .createTable(MIGRATION_LOCK_TABLE)
      .ifNotExists()
      .addColumn('id', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('is_locked', 'integer', (column) => column.notNull().defaultTo(0))
      .compile(),
    db
      .insertInto(MIGRATION_LOCK_TABLE)
      .values({ id: MIGRATION_LOCK_ID, is_locked: 0 })
      .onConflict((conflict) => conflict.doNothing())
      .compile(),
  ]
}

function bookkeepingRow(db: Kysely<any>, name: string, timestamp: unknown = new Date().toISOString()) {
  return db.insertInto(MIGRATION_TABLE).values({ name, timestamp })
}

/** Runs a migration against a Kysely that records statements instead of executing them. */
async function recordMigration(migration: Migration, name: string, adapter: string): Promise<CompiledQuery[]> {
  const statements: CompiledQuery[] = []
  try {
    await migration.up(recordingKysely(statements))
  } catch (error) {
    if (error instanceof ReadWhileRecordingError) {
      throw new MigrationError(
        `migration "${name}" reads data (\`${error.sql}\`) before it finishes writing; it cannot be sent as one atomic batch here. Split it so that no statement depends on what an earlier one returned`,
        { adapter, migration: name },
      )
    }
    throw error
  }
  return statements
}

/** Writes bound parameters into the SQL text as SQLite literals, skipping `?` inside quotes. */
function inlineParameters(query: CompiledQuery): string {
  const { sql: text, parameters } = query
  let out = ''
  let next = 0
  let quote: string | undefined
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string
    if (quote) {
      if (char === quote) quote = undefined
      out += char
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char
      out += char
    } else if (char === '[') {
      quote = ']'
      out += char
    } else if (char === '?') {
      out += sqlLiteral(parameters[next++])
    } else {
      out += char
    }
  }
  return out
}

function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new StorageError('INVALID_PARAMETER', `cannot write ${value} as SQL`, { adapter: 'export' })
    return String(value)
  }
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (value instanceof Uint8Array)
    return `X'${Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('')}'`
  if (value instanceof Date) return sqlLiteral(value.toISOString())
  return `'${String(value).replaceAll("'", "''")}'`
}
