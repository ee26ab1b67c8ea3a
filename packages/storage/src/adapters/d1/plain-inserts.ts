import { type CompiledQuery, DeleteQueryNode, InsertQueryNode, SelectQueryNode, UpdateQueryNode } from 'kysely'

/**
 * Marks the error the guard of {@link plainInsertGuard} raises, so that the driver tells it from
 * an error of the caller's own statements.
 */
export const PLAIN_INSERT_GUARD_FAILED = '[@inventory/storage] tables with triggers'

/** Each distinct table is bound twice in the guard; D1 binds at most 100 parameters. */
const MAX_GUARDED_TABLES = 40

/**
 * The plain inserts of a batch whose affected-row count D1's `meta.changes` gives exactly, and the
 * tables they write to. D1 counts every row a statement changed, rows written by triggers and by
 * the foreign-key actions of `replace` included, where SQLite's `changes()` counts the statement's
 * own rows only. An insert that cannot replace rows, into a table without triggers (checked inside
 * the same batch by {@link plainInsertGuard}), changes only its own rows, so the two counts agree
 * and the driver need not read `changes()` after it.
 *
 * Returns `undefined` when the batch holds a statement that could change the schema (raw SQL or a
 * schema statement, which could add a trigger between the guard and the insert), or no plain insert.
 *
 * @param queries - the batch's statements, in order
 * @param tablesWithTriggers - tables seen refused by the guard before, left to the `changes()` read
 */
export function plainInserts(
  queries: readonly CompiledQuery[],
  tablesWithTriggers: ReadonlySet<string>,
): { inserts: ReadonlySet<CompiledQuery>; tables: readonly string[] } | undefined {
  const inserts = new Set<CompiledQuery>()
  const tables = new Set<string>()
  for (const query of queries) {
    const node = query.query
    if (node === undefined) return undefined
    if (InsertQueryNode.is(node)) {
      const table = plainInsertTable(node)
      if (table !== undefined && !tablesWithTriggers.has(table)) {
        inserts.add(query)
        tables.add(table)
      }
    } else if (!SelectQueryNode.is(node) && !UpdateQueryNode.is(node) && !DeleteQueryNode.is(node)) {
      return undefined
    }
  }
  if (inserts.size === 0 || tables.size > MAX_GUARDED_TABLES) return undefined
  return { inserts, tables: [...tables] }
}

/**
 * A statement that fails, with {@link PLAIN_INSERT_GUARD_FAILED} in its message, when one of the
 * tables has a trigger (an `instead of` trigger makes a view writable, so views are covered), is
 * virtual (its module writes shadow tables) or declares a `replace` conflict clause. Sent first in
 * the batch, it fails the batch before any insert applies; SQLite has no `raise()` outside
 * triggers, so the failure is a JSON path that cannot parse, whose text SQLite quotes in its error.
 */
export function plainInsertGuard(tables: readonly string[]): { sql: string; parameters: string[] } {
  const names = tables.map(() => 'lower(?)').join(', ')
  return {
    sql:
      `select json_extract('{}', case when exists (select 1 from sqlite_master where ` +
      `(type = 'trigger' and lower(tbl_name) in (${names})) or ` +
      `(type = 'table' and lower(name) in (${names}) and (sql like 'create virtual%' or sql like '%replace%'))) ` +
      `then '${PLAIN_INSERT_GUARD_FAILED}' else '$' end) as guard`,
    parameters: [...tables, ...tables],
  }
}

/** Whether the error is the guard's refusal. */
export function isPlainInsertGuardFailure(error: unknown): boolean {
  return error instanceof Error && error.message.includes(PLAIN_INSERT_GUARD_FAILED)
}

function plainInsertTable(node: InsertQueryNode): string | undefined {
  if (node.returning !== undefined || node.onConflict !== undefined || node.replace) return undefined
  // `or ignore` leaves rows out and changes none; `or replace` deletes rows, which D1 counts.
  if (node.orAction !== undefined && node.orAction.action !== 'ignore') return undefined
  const table = node.into?.table
  if (table === undefined || (table.schema !== undefined && table.schema.name !== 'main')) return undefined
  return table.identifier.name
}
