import { type Kysely, sql } from 'kysely'
import { StorageError, UnsupportedOperationError } from './errors.js'
import type { StorageProvider } from './storage-provider.js'

/** One entry of `sqlite_master` worth copying: a table, an index, a view or a trigger. */
interface SchemaEntry {
  readonly type: 'table' | 'index' | 'view' | 'trigger'
  readonly name: string
  readonly tbl_name: string
  readonly sql: string
}

/** A table's copyable columns and the name its rowid answers to, if it keeps one. */
interface TableToCopy {
  readonly name: string
  readonly columns: readonly string[]
  /** `rowid`, `_rowid_` or `oid`, whichever no column shadows; undefined for `without rowid` tables. */
  readonly rowid: string | undefined
  readonly primaryKey: readonly string[]
}

/** Rows read from the source at a time: one D1 call's answer stays small. */
const READ_CHUNK_ROWS = 1000
/** Rows per insert into the scratch database, below every engine's limit of bound parameters. */
const MAX_ROWS_PER_INSERT = 500
const ROWID_NAMES = ['rowid', '_rowid_', 'oid'] as const

/**
 * Copies the whole database of `source` (schema and rows) into the empty `scratch` database, as
 * exactly as SQLite stores it: each value keeps its storage class (integers read as decimal text, so
 * even those past 2^53 keep every digit), rows keep their rowids, `sqlite_sequence` its counters.
 * Tables are created first, then filled, then indexes, views and triggers are created, so no
 * trigger fires on the copied rows. D1's internal `_cf_*` tables and SQLite's own `sqlite_*`
 * tables (created by SQLite as needed) are left out. Virtual tables are refused: their shadow
 * tables hold the module's own data, which a row copy cannot rebuild.
 *
 * @param source - the provider to read; read in one transaction where it has them, so the copy is one state
 * @param scratch - an empty provider with interactive transactions, written in one transaction
 */
export async function copyIntoScratch(source: StorageProvider<any>, scratch: StorageProvider<any>): Promise<void> {
  const adapter = source.adapter
  if (!scratch.capabilities.interactiveTransactions) {
    throw new StorageError(
      'INVALID_PARAMETER',
      `exportDatabase: the scratch database (${scratch.adapter}) has no transactions; pass an empty sqlite or browser provider`,
      { adapter },
    )
  }
  const existing = await readSchema(scratch.db)
  if (existing.length > 0) {
    throw new StorageError(
      'INVALID_PARAMETER',
      `exportDatabase: the scratch database must be empty, and it has the ${existing[0]?.type} ${existing[0]?.name}`,
      { adapter },
    )
  }
  const read = <T>(run: (db: Kysely<any>) => Promise<T>): Promise<T> =>
    source.capabilities.interactiveTransactions ? source.transaction((trx) => run(trx)) : run(source.db)
  await read(async (from) => {
    const schema = await readSchema(from)
    const virtual = schema.find((entry) => entry.type === 'table' && /^\s*create\s+virtual\b/i.test(entry.sql))
    if (virtual) {
      throw new UnsupportedOperationError(
        `exportDatabase cannot copy the virtual table ${virtual.name}: its module keeps data a row copy cannot rebuild`,
        { adapter },
      )
    }
    const tables: TableToCopy[] = []
    for (const entry of schema) if (entry.type === 'table') tables.push(await describeTable(from, entry))
    const sequences = await readSequences(from)
    const parameterLimit = Math.min(scratch.capabilities.maxBoundParameters ?? 999, 32766)
    await scratch.transaction(async (to) => {
      // Rows of a table may refer to rows copied later; the whole copy is checked at commit.
      await sql`pragma defer_foreign_keys = on`.execute(to)
      for (const entry of schema) if (entry.type === 'table') await sql.raw(entry.sql).execute(to)
      for (const table of tables) await copyRows(from, to, table, parameterLimit)
      if (sequences.length > 0) {
        await sql`delete from sqlite_sequence`.execute(to)
        for (const { name, seq } of sequences) {
          await sql`insert into sqlite_sequence (name, seq) values (${name}, ${decodeValue('integer', seq)})`.execute(
            to,
          )
        }
      }
      for (const entry of schema) if (entry.type !== 'table') await sql.raw(entry.sql).execute(to)
    })
  })
}

/** The schema entries to copy, in the order SQLite created them. */
async function readSchema(db: Kysely<any>): Promise<SchemaEntry[]> {
  const { rows } = await sql<SchemaEntry>`
    select type, name, tbl_name, sql from sqlite_master
    where sql is not null
      and name not like 'sqlite\\_%' escape '\\'
      and lower(substr(name, 1, 4)) != '_cf_' and lower(substr(tbl_name, 1, 4)) != '_cf_'
    order by rowid`.execute(db)
  return rows
}

async function describeTable(db: Kysely<any>, entry: SchemaEntry): Promise<TableToCopy> {
  // table_info leaves generated columns out: SQLite computes them again in the copy.
  const { rows } = await sql<{ name: string; pk: number }>`
    select name, pk from pragma_table_info(${entry.name}) order by cid`.execute(db)
  const columns = rows.map((row) => row.name)
  const withoutRowid = /\bwithout\s+rowid\s*;?\s*$/i.test(entry.sql)
  const lowerColumns = new Set(columns.map((column) => column.toLowerCase()))
  return {
    name: entry.name,
    columns,
    rowid: withoutRowid ? undefined : ROWID_NAMES.find((name) => !lowerColumns.has(name)),
    primaryKey: rows
      .filter((row) => row.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((row) => row.name),
  }
}

/** `sqlite_sequence`'s rows, the counters of AUTOINCREMENT, with exact integers. */
async function readSequences(db: Kysely<any>): Promise<{ name: string; seq: unknown }[]> {
  const { rows: exists } = await sql`select 1 from sqlite_master where name = 'sqlite_sequence'`.execute(db)
  if (exists.length === 0) return []
  const { rows } = await sql<{ name: string; seq: unknown }>`
    select name, cast(seq as text) as seq from sqlite_sequence`.execute(db)
  return rows.filter((row) => !row.name.toLowerCase().startsWith('_cf_'))
}

/**
 * Copies one table's rows in chunks, each value selected with its storage class: integers as
 * decimal text (a JavaScript number would round those past 2^53), infinite reals as words (JSON,
 * which D1 answers in, has no infinity), the rest as they are.
 */
async function copyRows(from: Kysely<any>, to: Kysely<any>, table: TableToCopy, parameterLimit: number): Promise<void> {
  const copied = table.rowid === undefined ? table.columns : [table.rowid, ...table.columns]
  if (copied.length === 0) return
  const selected = sql.join(
    copied.flatMap((column, index) => {
      const id = sql.id(column)
      return [
        sql`case typeof(${id}) when 'integer' then cast(${id} as text) when 'real' then case when ${id} = 9e999 then 'Inf' when ${id} = -9e999 then '-Inf' else ${id} end else ${id} end as ${sql.id(`v${index}`)}`,
        sql`typeof(${id}) as ${sql.id(`t${index}`)}`,
      ]
    }),
  )
  // Without a rowid: page in primary-key order (or by every column where no key names a row).
  const order = sql.join(
    (table.primaryKey.length > 0 ? table.primaryKey : table.columns).map((column) => sql.id(column)),
  )
  const rowsPerInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(parameterLimit / copied.length)))
  const insert = (rows: readonly Record<string, unknown>[]) =>
    sql`insert into ${sql.id(table.name)} (${sql.join(copied.map((column) => sql.id(column)))}) values ${sql.join(
      rows.map(
        (row) =>
          sql`(${sql.join(copied.map((_, index) => decodeValue(row[`t${index}`] as string, row[`v${index}`])))})`,
      ),
    )}`.execute(to)

  let last: unknown
  for (let offset = 0; ; offset += READ_CHUNK_ROWS) {
    const rowid = table.rowid === undefined ? undefined : sql.id(table.rowid)
    // By rowid, after the last one read (as decimal text, compared as an integer of any size), so
    // each chunk costs the same however far the copy has got.
    const query = rowid
      ? sql<Record<string, unknown>>`select ${selected} from ${sql.id(table.name)}
          ${last === undefined ? sql`` : sql`where ${rowid} > cast(${last} as integer)`}
          order by ${rowid} limit ${READ_CHUNK_ROWS}`
      : sql<Record<string, unknown>>`select ${selected} from ${sql.id(table.name)}
          order by ${order} limit ${READ_CHUNK_ROWS} offset ${offset}`
    const { rows } = await query.execute(from)
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      await insert(rows.slice(start, start + rowsPerInsert))
    }
    if (rows.length < READ_CHUNK_ROWS) return
    last = rows[rows.length - 1]?.v0
  }
}

/** A value read with its `typeof`, as the value to bind so the copy stores the same storage class. */
function decodeValue(type: string, value: unknown): unknown {
  switch (type) {
    case 'null':
      return null
    case 'integer':
      return BigInt(value as string)
    case 'real':
      return value === 'Inf' ? Number.POSITIVE_INFINITY : value === '-Inf' ? Number.NEGATIVE_INFINITY : Number(value)
    case 'text':
      return String(value)
    default:
      return value instanceof ArrayBuffer ? new Uint8Array(value) : value
  }
}
