import type { CompiledQuery, Kysely } from 'kysely'
import { StorageError } from './errors.js'
import { Placeholder } from './prepared-query.js'

/** Consecutive rows that name the same columns. */
interface ColumnRun {
  readonly key: string
  readonly columns: readonly string[]
  readonly rows: Record<string, unknown>[]
}

/**
 * The statements that insert `rows` into `table`, in order, `rowsPerStatement(columnCount)` rows
 * each: consecutive rows naming the same columns share one SQL text (the last, shorter statement
 * aside), so the engine prepares it once and binds it again for each. Each SQL text is built and
 * compiled by Kysely once, with its plugins, not once per row.
 *
 * @param db - the Kysely instance to compile with
 * @param table - the table to insert into
 * @param rows - plain values by column; `undefined` leaves a column out, as in Kysely's `values()`
 * @param rowsPerStatement - how many rows one statement may carry, given its column count
 * @param adapter - the adapter's name, for errors
 */
export function insertManyStatements(
  db: Kysely<any>,
  table: string,
  rows: readonly Record<string, unknown>[],
  rowsPerStatement: (columnCount: number) => number,
  adapter: string,
): CompiledQuery[] {
  const statements: CompiledQuery[] = []
  const templates = new Map<string, CompiledQuery>()
  for (const run of runsByColumns(rows, adapter)) {
    const width = run.columns.length
    const perStatement = Math.max(1, rowsPerStatement(width))
    for (let start = 0; start < run.rows.length; start += perStatement) {
      const slice = run.rows.slice(start, start + perStatement)
      const key = `${slice.length}\u0000${run.key}`
      let template = templates.get(key)
      if (!template) {
        template = compileTemplate(db, table, run.columns, slice.length)
        templates.set(key, template)
      }
      const parameters = new Array<unknown>(slice.length * width)
      let next = 0
      for (const row of slice) for (const column of run.columns) parameters[next++] = row[column]
      statements.push({ sql: template.sql, query: template.query, queryId: template.queryId, parameters })
    }
  }
  return statements
}

function compileTemplate(db: Kysely<any>, table: string, columns: readonly string[], rowCount: number): CompiledQuery {
  const row = Object.fromEntries(columns.map((column) => [column, new Placeholder(column)]))
  return db
    .insertInto(table)
    .values(Array.from({ length: rowCount }, () => row))
    .compile()
}

function runsByColumns(rows: readonly Record<string, unknown>[], adapter: string): ColumnRun[] {
  const runs: ColumnRun[] = []
  let current: ColumnRun | undefined
  rows.forEach((row, index) => {
    if (typeof row !== 'object' || row === null) {
      throw new StorageError('INVALID_PARAMETER', `insertMany: row ${index} is not an object of column values`, {
        adapter,
      })
    }
    const columns: string[] = []
    for (const column in row) {
      const value = row[column]
      if (value === undefined) continue
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { toOperationNode?: unknown }).toOperationNode === 'function'
      ) {
        throw new StorageError(
          'INVALID_PARAMETER',
          `insertMany: row ${index} gives column \`${column}\` an SQL expression; insertMany binds plain values only, insert such rows with db.insertInto()`,
          { adapter },
        )
      }
      columns.push(column)
    }
    if (columns.length === 0) {
      throw new StorageError('INVALID_PARAMETER', `insertMany: row ${index} gives no column a value`, { adapter })
    }
    const key = columns.join('\u0000')
    if (current?.key !== key) {
      current = { key, columns, rows: [] }
      runs.push(current)
    }
    current.rows.push(row)
  })
  return runs
}
