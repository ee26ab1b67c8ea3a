import { type CompiledQuery, type Kysely, sql } from 'kysely'
import { MigrationError, StorageError } from './errors.js'
import type { StorageProvider } from './storage-provider.js'

/** Where {@link copyData} has got to, reported after each chunk written. */
export interface CopyProgress {
  /** The table being copied. */
  readonly table: string
  /** Rows of `table` written so far (not committed yet where the copy is one transaction). */
  readonly rows: number
  /** Rows of `table` to copy. */
  readonly totalRows: number
}

/** Options of {@link copyData}. */
export interface CopyDataOptions {
  /** The tables to copy (default: every table of the source but Kysely's migration tables). */
  readonly tables?: readonly string[]
  /** Called after each chunk of rows is written. */
  readonly onProgress?: (progress: CopyProgress) => void
  /** Stops the copy between chunks; where the copy is atomic, nothing of it stays. */
  readonly signal?: AbortSignalLike
}

/**
 * The part of an `AbortSignal` {@link copyData} reads, typed here so that projects without the DOM
 * or Node type libraries can use the package: any `AbortSignal` fits.
 */
export interface AbortSignalLike {
  /** Whether the signal was aborted. */
  readonly aborted: boolean
  /** Why: what the copy rejects with once aborted. */
  readonly reason?: unknown
}

/** One table {@link copyData} copied. */
export interface CopiedTable {
  /** The table's name. */
  readonly name: string
  /** The rows copied into it. */
  readonly rows: number
}

/** What {@link copyData} did. */
export interface CopyReport {
  /** Rows copied per table, in the order they were written (parents before children). */
  readonly tables: readonly CopiedTable[]
  /** Rows copied in all. */
  readonly rows: number
  /** Whether the target applied the whole copy as one atomic unit (false on D1 beyond one batch). */
  readonly atomic: boolean
}

/** Kysely's own bookkeeping: the target has its own, from running the same migrations. */
const MIGRATION_TABLES = new Set(['kysely_migration', 'kysely_migration_lock'])
/** Rows read from the source at a time. */
const READ_CHUNK_ROWS = 2000
/** Rows per insert statement where the target sets no parameter limit. */
const MAX_ROWS_PER_INSERT = 500
/**
 * Statements waiting, at the end of a chunk read, that make a D1 batch worth sending: one batch is
 * one atomic unit, and D1 bounds what one call may carry.
 */
const STATEMENTS_PER_BATCH = 50

interface TableShape {
  readonly name: string
  readonly columns: readonly ColumnShape[]
  readonly parents: readonly string[]
  readonly withoutRowid: boolean
  readonly primaryKey: readonly string[]
}

interface ColumnShape {
  readonly name: string
  readonly type: string
  readonly notnull: number
  readonly pk: number
}

/**
 * Copies the rows of every table (or `options.tables`) from one provider to another, of any adapters:
 * a browser database to D1, D1 to a local `sqlite` file, `sqlite` into the browser. Both must have
 * been migrated with the same migrations: the schemas are compared first and a difference is refused
 * with a {@link MigrationError} naming the table and column, before anything is written.
 *
 * The copied tables of the target are emptied, then filled with the source's rows, parents before
 * children, in statements that respect the target's parameter limit; so afterwards every copied
 * table is equal on both sides, and running the copy again gives the same result. Where the target
 * has interactive transactions (`sqlite`, `indexeddb`, `local-storage`) all of it is one transaction:
 * a failure, a full quota (`StorageQuotaError`) or an abort leaves the target as it was. On D1 a copy
 * that fits one batch is atomic too; a larger one is sent as several batches, the first of which
 * empties the tables, so a failed copy is completed by running it again (the report's `atomic` says
 * which happened).
 *
 * @param from - the provider to read
 * @param to - the provider to write; not the same as `from`
 * @param options - the tables, a progress callback and an `AbortSignal`
 * @returns the rows copied per table
 * @example
 * ```ts
 * import { copyData, createStorage } from '@inventory/storage'
 * import { d1Adapter } from '@inventory/storage/d1'
 *
 * const server = await createStorage<Database>({ adapters: d1Adapter({ database: env.DB }) })
 * await server.migrate(migrations)
 * const report = await copyData(storage, server, {
 *   onProgress: ({ table, rows, totalRows }) => console.log(`${table}: ${rows}/${totalRows}`),
 * })
 * console.log(`${report.rows} rows copied`)
 * ```
 */
export async function copyData(
  from: StorageProvider<any>,
  to: StorageProvider<any>,
  options: CopyDataOptions = {},
): Promise<CopyReport> {
  if (from === to) {
    throw new StorageError('INVALID_PARAMETER', 'copyData needs two different providers', { adapter: to.adapter })
  }
  const { signal, onProgress } = options
  throwIfAborted(signal)
  const sourceShapes = await readShapes(from.db)
  const targetShapes = await readShapes(to.db)
  const selected = selectTables(sourceShapes, options.tables, from.adapter)
  for (const table of selected) compareShapes(table, targetShapes.get(table.name), to.adapter)
  const ordered = parentsFirst(selected)
  const counts = new Map<string, number>()
  for (const table of ordered) counts.set(table.name, await countRows(from.db, table.name))

  const writer = to.capabilities.interactiveTransactions ? new TransactionWriter(to) : new BatchWriter(to)
  const rowsPerInsert = (table: TableShape) =>
    Math.max(
      1,
      Math.min(
        MAX_ROWS_PER_INSERT,
        Math.floor((to.capabilities.maxBoundParameters ?? Number.POSITIVE_INFINITY) / table.columns.length),
      ),
    )

  const report = await writer.run(async (write) => {
    for (const table of [...ordered].reverse()) await write.statement(to.db.deleteFrom(table.name).compile())
    const copied: { name: string; rows: number }[] = []
    for (const table of ordered) {
      const totalRows = counts.get(table.name) ?? 0
      let rows = 0
      for await (const chunk of readChunks(from.db, table)) {
        throwIfAborted(signal)
        const size = rowsPerInsert(table)
        for (let start = 0; start < chunk.length; start += size) {
          await write.statement(
            to.db
              .insertInto(table.name)
              .values(chunk.slice(start, start + size))
              .compile(),
          )
        }
        rows += chunk.length
        await write.flush()
        onProgress?.({ table: table.name, rows, totalRows })
      }
      copied.push({ name: table.name, rows })
    }
    throwIfAborted(signal)
    return copied
  })
  return {
    tables: report.result,
    rows: report.result.reduce((sum, table) => sum + table.rows, 0),
    atomic: report.atomic,
  }
}

/** Receives the copy's statements; `flush` marks a point where a partial copy may be sent. */
interface StatementSink {
  statement(query: CompiledQuery): Promise<void>
  flush(): Promise<void>
}

interface CopyWriter {
  run<T>(copy: (sink: StatementSink) => Promise<T>): Promise<{ result: T; atomic: boolean }>
}

/** All statements in one interactive transaction, foreign keys checked at its commit. */
class TransactionWriter implements CopyWriter {
  readonly #to: StorageProvider<any>

  constructor(to: StorageProvider<any>) {
    this.#to = to
  }

  async run<T>(copy: (sink: StatementSink) => Promise<T>): Promise<{ result: T; atomic: boolean }> {
    const result = await this.#to.transaction(async (trx) => {
      // Rows of a table that refers to itself may come before the rows they refer to.
      await sql`pragma defer_foreign_keys = on`.execute(trx)
      return copy({
        statement: async (query) => {
          await trx.executeQuery(query)
        },
        flush: async () => undefined,
      })
    })
    return { result, atomic: true }
  }
}

/**
 * Statements gathered into batches (D1): all of them in one atomic batch when they fit, otherwise
 * several batches in order, the first holding the deletes.
 */
class BatchWriter implements CopyWriter {
  readonly #to: StorageProvider<any>

  constructor(to: StorageProvider<any>) {
    this.#to = to
  }

  async run<T>(copy: (sink: StatementSink) => Promise<T>): Promise<{ result: T; atomic: boolean }> {
    let pending: CompiledQuery[] = []
    let batches = 0
    const send = async () => {
      if (pending.length === 0) return
      const statements = [sql`pragma defer_foreign_keys = on`.compile(this.#to.db), ...pending]
      pending = []
      batches++
      await this.#to.batch(statements.map((query) => ({ compile: () => query })))
    }
    const result = await copy({
      statement: async (query) => {
        pending.push(query)
      },
      flush: async () => {
        if (pending.length >= STATEMENTS_PER_BATCH) await send()
      },
    })
    await send()
    return { result, atomic: batches <= 1 }
  }
}

async function readShapes(db: Kysely<any>): Promise<Map<string, TableShape>> {
  const tables = await sql<{ name: string; sql: string | null }>`
    select name, sql from sqlite_master
    where type = 'table' and name not like 'sqlite\\_%' escape '\\' and lower(substr(name, 1, 4)) != '_cf_'
    order by name`.execute(db)
  const shapes = new Map<string, TableShape>()
  for (const table of tables.rows) {
    if (MIGRATION_TABLES.has(table.name)) continue
    const columns = await sql<ColumnShape>`
      select name, upper(type) as type, "notnull", pk from pragma_table_info(${table.name}) order by cid`.execute(db)
    const parents = await sql<{ table: string }>`
      select distinct "table" from pragma_foreign_key_list(${table.name})`.execute(db)
    shapes.set(table.name, {
      name: table.name,
      columns: columns.rows,
      parents: parents.rows.map((row) => row.table).filter((parent) => parent !== table.name),
      withoutRowid: /\bwithout\s+rowid\b/i.test(table.sql ?? ''),
      primaryKey: columns.rows
        .filter((column) => column.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((column) => column.name),
    })
  }
  return shapes
}

function selectTables(
  shapes: ReadonlyMap<string, TableShape>,
  names: readonly string[] | undefined,
  adapter: string,
): TableShape[] {
  if (names === undefined) return [...shapes.values()]
  return names.map((name) => {
    const shape = shapes.get(name)
    if (!shape) {
      throw new StorageError('INVALID_PARAMETER', `copyData: the source has no table named ${name}`, { adapter })
    }
    return shape
  })
}

function compareShapes(source: TableShape, target: TableShape | undefined, adapter: string): void {
  const refuse = (difference: string) =>
    new MigrationError(
      `copyData: the schemas differ: ${difference}; migrate both databases with the same migrations first`,
      { adapter },
    )
  if (!target) throw refuse(`the target has no table ${source.name}`)
  const targetColumns = new Map(target.columns.map((column) => [column.name, column]))
  for (const column of source.columns) {
    const other = targetColumns.get(column.name)
    if (!other) throw refuse(`the target's table ${source.name} has no column ${column.name}`)
    if (other.type !== column.type || other.notnull !== column.notnull || other.pk !== column.pk) {
      throw refuse(
        `column ${source.name}.${column.name} is ${describeColumn(column)} in the source and ${describeColumn(other)} in the target`,
      )
    }
    targetColumns.delete(column.name)
  }
  const extra = [...targetColumns.keys()][0]
  if (extra !== undefined) throw refuse(`the target's table ${source.name} has a column ${extra} the source lacks`)
}

function describeColumn(column: ColumnShape): string {
  return [column.type || 'untyped', column.notnull ? 'not null' : '', column.pk ? 'primary key' : '']
    .filter(Boolean)
    .join(' ')
}

/** The tables in an order where each comes after the tables it refers to (cycles keep their order). */
function parentsFirst(tables: readonly TableShape[]): TableShape[] {
  const byName = new Map(tables.map((table) => [table.name, table]))
  const ordered: TableShape[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (table: TableShape) => {
    if (state.has(table.name)) return
    state.set(table.name, 'visiting')
    for (const parent of table.parents) {
      const shape = byName.get(parent)
      if (shape) visit(shape)
    }
    state.set(table.name, 'done')
    ordered.push(table)
  }
  for (const table of tables) visit(table)
  return ordered
}

async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const result = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(result.count)
}

/**
 * The table's rows in chunks, in a stable order: by rowid, read after the last rowid seen, or for a
 * `without rowid` table by primary key, page by page.
 */
async function* readChunks(db: Kysely<any>, table: TableShape): AsyncGenerator<Record<string, unknown>[]> {
  // Raw identifiers: Kysely would read a dot or ` as ` in a column name as syntax.
  const columns = table.columns.map((column) => sql`${sql.id(column.name)}`.as(column.name))
  if (table.withoutRowid) {
    for (let offset = 0; ; offset += READ_CHUNK_ROWS) {
      const rows = await db
        .selectFrom(table.name)
        .select(columns)
        .orderBy(table.primaryKey.map((column) => sql.id(column)))
        .limit(READ_CHUNK_ROWS)
        .offset(offset)
        .execute()
      if (rows.length > 0) yield rows
      if (rows.length < READ_CHUNK_ROWS) return
    }
  }
  let after: number | bigint | undefined
  for (;;) {
    let query = db
      .selectFrom(table.name)
      .select([...columns, sql<number>`_rowid_`.as('__copy_rowid')])
      .orderBy(sql`_rowid_`)
      .limit(READ_CHUNK_ROWS)
    if (after !== undefined) query = query.where(sql`_rowid_`, '>', after)
    const rows = (await query.execute()) as Record<string, unknown>[]
    if (rows.length === 0) return
    after = rows[rows.length - 1]?.__copy_rowid as number
    yield rows.map(({ __copy_rowid, ...row }) => row)
    if (rows.length < READ_CHUNK_ROWS) return
  }
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason
}
