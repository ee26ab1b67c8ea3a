import { type CompiledQuery, CompiledQuery as Query, DropTableNode, type Kysely, RawNode, sql } from 'kysely'
import { MigrationError } from '../../core/errors.js'
import type { MigrationBatchWrap } from '../../core/storage-engine.js'
import { writtenTables } from '../../core/written-tables.js'
import { quoteIdentifier } from '../../core/quote-identifier.js'

interface ForeignKey {
  readonly child: string
  readonly parent: string
  readonly column: string
  readonly onDelete: string
}

/** Holds the copy of each kept table during the batch; the migration never sees it. */
const KEPT_TABLE_PREFIX = '_inventory_storage_kept_'
const KEPT_ROWID = '_inventory_storage_rowid'

/**
 * How a migration sent to D1 as one batch keeps the rows that reference the tables it drops. D1
 * cannot switch foreign keys off, so `drop table` deletes every `on delete cascade` child row and
 * nulls every `on delete set null` reference before it drops the table, even when the migration
 * recreates the table right after (SQLite's table-rebuild procedure); `defer_foreign_keys` defers
 * the checks, not those actions. So the rows of those tables are copied aside before the
 * migration and put back after it, in the same atomic batch.
 *
 * Plans that, or returns undefined when the migration drops no referenced table. Refuses with a
 * {@link MigrationError}, before anything runs, a migration whose outcome it cannot keep whole:
 * one that also changes a table whose rows it would have to put back.
 *
 * @param db - reads the current schema
 * @param statements - the migration's statements, in order
 * @param migration - the migration's name, for errors
 * @param adapter - the adapter's name, for errors
 */
export async function keepReferencingRows(
  db: Kysely<any>,
  statements: readonly CompiledQuery[],
  migration: string,
  adapter: string,
): Promise<MigrationBatchWrap | undefined> {
  const dropped = new Set(statements.flatMap(droppedTables))
  if (dropped.size === 0) return undefined
  const foreignKeys = [...(await readForeignKeys(db)), ...statements.flatMap(createdForeignKeys)]
  if (!foreignKeys.some((key) => dropped.has(key.parent) && key.child !== key.parent)) return undefined

  // The tables whose rows a drop deletes (cascades, transitively) or whose references it nulls.
  const deleted = new Set(dropped)
  const kept: string[] = []
  const queue = [...dropped]
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const key of foreignKeys) {
      if (key.parent !== parent || key.child === key.parent || !CHANGES_CHILD.has(key.onDelete)) continue
      // A child dropped for good loses nothing; one the migration recreates is refused below.
      if (dropped.has(key.child) && !isRecreated(statements, key.child)) continue
      if (!kept.includes(key.child)) kept.push(key.child)
      if (key.onDelete === 'CASCADE' && !deleted.has(key.child)) {
        deleted.add(key.child)
        queue.push(key.child)
      }
    }
  }
  const touched = kept.filter((table) => statements.some((statement) => touches(statement, table)))
  if (touched.length > 0) {
    throw new MigrationError(
      `migration "${migration}" drops ${list(dropped)}, which rows of ${list(touched)} reference, and also changes ${list(touched)}. Foreign keys cannot be switched off here, so dropping the table would delete or null those rows; they can be kept only when the migration leaves their table alone. Split it: one migration that changes ${list(touched)}, then one that rebuilds ${list(dropped)}`,
      { adapter, migration },
    )
  }

  const before: CompiledQuery[] = [Query.raw('pragma defer_foreign_keys = on')]
  const after: CompiledQuery[] = []
  for (const [index, table] of kept.entries()) {
    const copy = quoteIdentifier(`${KEPT_TABLE_PREFIX}${index}`)
    const target = quoteIdentifier(table)
    const definition = await db
      .selectFrom('sqlite_master')
      .select('sql')
      .where('type', '=', 'table')
      .where('name', '=', table)
      .executeTakeFirst()
    if (/\bwithout\s+rowid\b/i.test(String(definition?.sql ?? ''))) {
      throw new MigrationError(
        `migration "${migration}" drops ${list(dropped)}, which rows of the WITHOUT ROWID table ${table} reference; foreign keys cannot be switched off here and those rows cannot be kept. Copy them aside and back in the migration itself`,
        { adapter, migration },
      )
    }
    const columns = (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows.map(
      (row) => quoteIdentifier(row.name),
    )
    before.push(Query.raw(`create table ${copy} as select rowid as ${KEPT_ROWID}, * from ${target}`))
    // Rows the cascade deleted come back whole; the others were never touched.
    after.push(
      Query.raw(
        `insert into ${target} (${columns.join(', ')}) select ${columns.join(', ')} from ${copy} where ${KEPT_ROWID} not in (select rowid from ${target})`,
      ),
    )
    const nulled = foreignKeys.filter(
      (key) =>
        key.child === table && deleted.has(key.parent) && key.onDelete !== 'CASCADE' && CHANGES_CHILD.has(key.onDelete),
    )
    const assignments = [...new Set(nulled.map((key) => quoteIdentifier(key.column)))].map(
      (column) => `${column} = (select ${column} from ${copy} where ${copy}.${KEPT_ROWID} = ${target}.rowid)`,
    )
    if (assignments.length > 0) {
      after.push(
        Query.raw(`update ${target} set ${assignments.join(', ')} where rowid in (select ${KEPT_ROWID} from ${copy})`),
      )
    }
    after.push(Query.raw(`drop table ${copy}`))
  }
  return { before, after, tables: kept }
}

/** `on delete` actions that change the child row when its parent row goes. */
const CHANGES_CHILD = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT'])

async function readForeignKeys(db: Kysely<any>): Promise<ForeignKey[]> {
  // D1 refuses any read of its internal `_cf_*` tables, pragma functions included.
  const { rows } = await sql<ForeignKey>`
    select m.name as child, f."table" as parent, f."from" as "column", upper(f.on_delete) as "onDelete"
    from sqlite_master as m join pragma_foreign_key_list(m.name) as f
    where m.type = 'table' and lower(substr(m.name, 1, 4)) != '_cf_'`.execute(db)
  return rows
}

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|\[[^\]]+\]|[\w$]+)`
const DROP_TABLE = new RegExp(
  String.raw`^\s*drop\s+table\s+(?:if\s+exists\s+)?(?:${IDENTIFIER}\s*\.\s*)?(${IDENTIFIER})\s*;?\s*$`,
  'i',
)
const CREATE_TABLE = new RegExp(
  String.raw`^\s*create\s+(?:temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?(?:${IDENTIFIER}\s*\.\s*)?(${IDENTIFIER})`,
  'i',
)
const REFERENCES = new RegExp(
  String.raw`\breferences\s+(${IDENTIFIER})\s*(?:\([^)]*\))?((?:\s*(?:on\s+(?:delete|update)\s+(?:set\s+null|set\s+default|cascade|restrict|no\s+action)|match\s+\w+|(?:not\s+)?deferrable(?:\s+initially\s+\w+)?))*)`,
  'gi',
)
const RENAME_TO = new RegExp(String.raw`\brename\s+to\s+(${IDENTIFIER})`, 'i')

function droppedTables(statement: CompiledQuery): string[] {
  const node = statement.query
  if (node && DropTableNode.is(node)) return writtenTables(statement)
  if (node && !RawNode.is(node)) return []
  const match = DROP_TABLE.exec(statement.sql)
  return match?.[1] ? [unquote(match[1])] : []
}

/**
 * The foreign keys of the tables a statement creates: the copy of a rebuilt table may reference the
 * table it replaces, and its rows would go when that one is dropped.
 */
function createdForeignKeys(statement: CompiledQuery): ForeignKey[] {
  const created = CREATE_TABLE.exec(statement.sql)?.[1]
  if (!created) return []
  const child = unquote(created)
  const keys: ForeignKey[] = []
  for (const match of statement.sql.matchAll(REFERENCES)) {
    const action = /\bon\s+delete\s+(cascade|set\s+null|set\s+default)\b/i.exec(match[2] ?? '')?.[1]
    if (!action) continue
    keys.push({
      child,
      parent: unquote(match[1] as string),
      column: '',
      onDelete: action.toUpperCase().replace(/\s+/, ' '),
    })
  }
  return keys
}

function isRecreated(statements: readonly CompiledQuery[], table: string): boolean {
  return statements.some((statement) => touches(statement, table) && !droppedTables(statement).includes(table))
}

function touches(statement: CompiledQuery, table: string): boolean {
  if (writtenTables(statement).includes(table)) return true
  const renamedTo = RENAME_TO.exec(statement.sql)?.[1]
  return renamedTo !== undefined && unquote(renamedTo) === table
}

function unquote(identifier: string): string {
  const first = identifier[0]
  if (first === '"') return identifier.slice(1, -1).replaceAll('""', '"')
  if (first === '`' || first === '[') return identifier.slice(1, -1)
  return identifier
}

function list(tables: Iterable<string>): string {
  return [...tables].join(', ')
}
