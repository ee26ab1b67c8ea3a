import { StorageError } from '../../core/errors.js'
import type { BetterSqliteDatabase } from './better-sqlite-database.js'
import { quoteIdentifier } from '../../core/quote-identifier.js'

interface SchemaObject {
  type: 'table' | 'index' | 'trigger' | 'view'
  name: string
  sql: string | null
}

/** Opens a SQLite file's bytes as a database of its own, in memory. */
export type OpenDatabaseFile = (bytes: Uint8Array) => Promise<BetterSqliteDatabase>

/**
 * Replaces everything in `target` with the database in `bytes`, in one transaction: the file is
 * opened on its own and checked (`quick_check`), then `target`'s tables, indexes, triggers and views
 * are dropped and the file's are created and filled, integers read as bigints so that none loses
 * precision. A file that does not open or fails the check is refused with `CORRUPT_STORAGE` before
 * `target` is touched; a failure later rolls everything back.
 *
 * @returns the tables of the replaced database and of the imported one
 */
export async function importSqliteFile(
  target: BetterSqliteDatabase,
  bytes: Uint8Array,
  openFile: OpenDatabaseFile,
): Promise<string[]> {
  const source = await openChecked(bytes, openFile)
  try {
    const before = schemaObjects(target)
    const after = schemaObjects(source)
    target.pragma('foreign_keys = OFF')
    try {
      run(target, 'begin immediate')
      try {
        replaceSchemaAndRows(target, source, before, after)
        run(target, 'commit')
      } catch (error) {
        run(target, 'rollback')
        throw error
      }
    } finally {
      target.pragma('foreign_keys = ON')
    }
    return [...new Set([...before, ...after].filter((object) => object.type === 'table').map((object) => object.name))]
  } finally {
    source.close()
  }
}

async function openChecked(bytes: Uint8Array, openFile: OpenDatabaseFile): Promise<BetterSqliteDatabase> {
  let source: BetterSqliteDatabase | undefined
  try {
    source = await openFile(bytes)
    const check = source.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`quick_check reported: ${String(check)}`)
    return source
  } catch (error) {
    source?.close()
    throw new StorageError(
      'CORRUPT_STORAGE',
      `the file is not a SQLite database that can be imported: ${reason(error)}`,
      {
        adapter: 'sqlite',
        cause: error,
      },
    )
  }
}

function replaceSchemaAndRows(
  target: BetterSqliteDatabase,
  source: BetterSqliteDatabase,
  before: SchemaObject[],
  after: SchemaObject[],
): void {
  for (const type of ['view', 'trigger', 'table'] as const) {
    for (const object of before)
      if (object.type === type) run(target, `drop ${type} if exists ${quoteIdentifier(object.name)}`)
  }
  const hasSequence = (database: BetterSqliteDatabase) =>
    database.prepare(`select 1 from sqlite_master where name = 'sqlite_sequence'`).all([]).length > 0
  if (hasSequence(target)) run(target, 'delete from sqlite_sequence')
  for (const object of after) if (object.type === 'table' && object.sql) run(target, object.sql)
  for (const object of after) if (object.type === 'table') copyRows(source, target, object.name)
  if (hasSequence(source)) {
    // Copying rows into AUTOINCREMENT tables has given them counters; the file's replace them.
    run(target, 'delete from sqlite_sequence')
    copyRows(source, target, 'sqlite_sequence')
  }
  for (const type of ['index', 'trigger', 'view'] as const) {
    for (const object of after) if (object.type === type && object.sql) run(target, object.sql)
  }
  target.pragma(`user_version = ${Number(source.pragma('user_version', { simple: true }))}`)
}

function copyRows(source: BetterSqliteDatabase, target: BetterSqliteDatabase, table: string): void {
  const names = (source.prepare(`select name from pragma_table_info(?)`).all([table]) as { name: string }[]).map(
    (column) => column.name,
  )
  // Rows keep their rowids (a table without an INTEGER PRIMARY KEY has no other copy of them),
  // under whichever of its names no column shadows.
  const [listed] = source.prepare(`select wr from pragma_table_list(?)`).all([table]) as { wr: number }[]
  const lowerNames = new Set(names.map((name) => name.toLowerCase()))
  const rowid = listed?.wr ? undefined : ['rowid', '_rowid_', 'oid'].find((name) => !lowerNames.has(name))
  const columns = [...(rowid ? [rowid] : []), ...names].map(quoteIdentifier)
  const read = source.prepare(`select ${columns.join(', ')} from ${quoteIdentifier(table)}`)
  read.raw?.(true)
  read.safeIntegers?.(true)
  const write = target.prepare(
    `insert into ${quoteIdentifier(table)} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
  )
  for (const row of read.iterate([])) write.run(row as unknown[])
}

function schemaObjects(database: BetterSqliteDatabase): SchemaObject[] {
  return database
    .prepare(
      `select type, name, sql from sqlite_master where name not like 'sqlite\\_%' escape '\\' and type in ('table', 'index', 'trigger', 'view') order by rowid`,
    )
    .all([]) as SchemaObject[]
}

function run(database: BetterSqliteDatabase, sql: string): void {
  database.prepare(sql).run([])
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
