import type { CompiledQuery, Kysely } from 'kysely'
import { StorageError } from './errors.js'
import { normalizeValue } from './query-parameters.js'
import { Placeholder } from './prepared-query.js'

/** Consecutive rows that name the same columns. */
interface ColumnRun {
  readonly columns: readonly string[]
  /** The index of its first row among all rows, for errors. */
  readonly firstIndex: number
  readonly rows: Record<string, unknown>[]
}

/** Statements of one SQL text: the compiled template and the parameters of each statement. */
export interface StatementRun {
  /** The statement as Kysely compiled it, its parameters placeholders. */
  readonly template: CompiledQuery
  /** One list of parameters per statement, values normalised as SQLite stores them. */
  readonly parameterSets: readonly (readonly unknown[])[]
}

/**
 * The statements that insert `rows` into `table`, in order, `rowsPerStatement(columnCount)` rows
 * each, as runs of statements sharing one SQL text: consecutive rows naming the same columns go
 * in one run (the last, shorter statement of a run aside), so the engine prepares the SQL once and
 * binds it again for each statement. Each SQL text is built and compiled by Kysely once, with its
 * plugins, not once per row.
 *
 * @param db - the Kysely instance to compile with
 * @param table - the table to insert into
 * @param rows - plain values by column; `undefined` leaves a column out, as in Kysely's `values()`
 * @param rowsPerStatement - how many rows one statement may carry, given its column count
 * @param adapter - the adapter's name, for errors
 */
export function insertManyRuns(
  db: Kysely<any>,
  table: string,
  rows: readonly Record<string, unknown>[],
  rowsPerStatement: (columnCount: number) => number,
  adapter: string,
): StatementRun[] {
  const runs: StatementRun[] = []
  for (const columnRun of runsByColumns(rows, adapter)) {
    const { columns } = columnRun
    const width = columns.length
    const perStatement = Math.max(1, rowsPerStatement(width))
    const full = Math.floor(columnRun.rows.length / perStatement) * perStatement
    const chunks: [number, number][] = []
    if (full > 0) chunks.push([0, full])
    if (full < columnRun.rows.length) chunks.push([full, columnRun.rows.length])
    for (const [start, end] of chunks) {
      const count = Math.min(perStatement, end - start)
      const parameterSets: unknown[][] = []
      for (let first = start; first < end; first += count) {
        const parameters = new Array<unknown>(count * width)
        let next = 0
        for (let index = first; index < first + count; index++) {
          const row = columnRun.rows[index] as Record<string, unknown>
          for (const column of columns) {
            const value = row[column]
            // Text and numbers, most values, go as they are; the rest is normalised or refused.
            parameters[next++] =
              typeof value === 'string' || typeof value === 'number'
                ? value
                : boundValue(value, column, columnRun.firstIndex + index, adapter)
          }
        }
        parameterSets.push(parameters)
      }
      runs.push({ template: compileTemplate(db, table, columns, count), parameterSets })
    }
  }
  return runs
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
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]
    if (typeof row !== 'object' || row === null) {
      throw new StorageError('INVALID_PARAMETER', `insertMany: row ${index} is not an object of column values`, {
        adapter,
      })
    }
    if (current === undefined || !namesColumns(row, current.columns)) {
      const columns = Object.keys(row).filter((column) => row[column] !== undefined)
      if (columns.length === 0) {
        throw new StorageError('INVALID_PARAMETER', `insertMany: row ${index} gives no column a value`, { adapter })
      }
      current = { columns, rows: [], firstIndex: index }
      runs.push(current)
    }
    current.rows.push(row)
  }
  return runs
}

/** Whether the row gives a value to exactly these columns, in this order. */
function namesColumns(row: Record<string, unknown>, columns: readonly string[]): boolean {
  let next = 0
  for (const column in row) {
    if (row[column] === undefined) continue
    if (columns[next] !== column) return false
    next++
  }
  return next === columns.length
}

/** A value other than text or a number, as SQLite binds it; an SQL expression is refused. */
function boundValue(value: unknown, column: string, rowIndex: number, adapter: string): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toOperationNode?: unknown }).toOperationNode === 'function'
  ) {
    throw new StorageError(
      'INVALID_PARAMETER',
      `insertMany: row ${rowIndex} gives column \`${column}\` an SQL expression; insertMany binds plain values only, insert such rows with db.insertInto()`,
      { adapter },
    )
  }
  return normalizeValue(value, () => `insertMany: row ${rowIndex} gives column \`${column}\` a value that`, adapter)
}
