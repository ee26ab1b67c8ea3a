import {
  type CompiledQuery,
  InsertQueryNode,
  PrimitiveValueListNode,
  type QueryResult,
  SqliteQueryCompiler,
  type ValuesItemNode,
  ValuesNode,
} from 'kysely'

/**
 * A query as the engine will run it: one statement, or several that together do what the
 * original did and must run atomically, with their results merged back into one.
 */
export interface ExecutionPlan {
  readonly statements: readonly CompiledQuery[]
  merge(results: readonly QueryResult<unknown>[]): QueryResult<unknown>
}

/**
 * Fits a query into an engine's limit on bound parameters. A multi-row insert above the limit is
 * split into inserts of as many rows as fit; their `returning` rows are concatenated in order and
 * their affected-row counts summed. Any other query is left as it is.
 */
export function planWithinParameterLimit(query: CompiledQuery, maxParameters: number | undefined): ExecutionPlan {
  if (maxParameters === undefined || query.parameters.length <= maxParameters) return { statements: [query], merge: firstResult }
  const node = query.query
  if (!InsertQueryNode.is(node) || !node.values || !ValuesNode.is(node.values) || node.values.values.length < 2) {
    return { statements: [query], merge: firstResult }
  }
  const rows = node.values.values
  const parametersPerRow = Math.ceil(query.parameters.length / rows.length)
  const rowsPerStatement = Math.max(1, Math.floor(maxParameters / Math.max(1, parametersPerRow)))
  const compiler = new SqliteQueryCompiler()
  const compileRows = (slice: readonly ValuesItemNode[]) =>
    compiler.compileQuery(InsertQueryNode.cloneWith(node, { values: ValuesNode.create(slice) }), query.queryId)
  const statements: CompiledQuery[] =
    splitUniformRows(query, rows, rowsPerStatement, compileRows) ??
    chunk(rows, rowsPerStatement).map((slice) => compileRows(slice))
  return { statements, merge: mergeResults }
}

/**
 * The fast way for the common case, rows of plain values all the same width and no parameter
 * outside them: the statement for a chunk is the one-row statement with its tuple repeated, and
 * the chunk's parameters a slice of the original ones. No recompilation of thousands of rows.
 */
function splitUniformRows(
  query: CompiledQuery,
  rows: readonly ValuesItemNode[],
  rowsPerStatement: number,
  compileRows: (slice: readonly ValuesItemNode[]) => CompiledQuery,
): CompiledQuery[] | undefined {
  const width = rows[0] && PrimitiveValueListNode.is(rows[0]) ? rows[0].values.length : 0
  if (width === 0 || query.parameters.length !== width * rows.length) return undefined
  if (!rows.every((row) => PrimitiveValueListNode.is(row) && row.values.length === width)) return undefined
  const single = compileRows(rows.slice(0, 1))
  const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`
  const at = single.sql.lastIndexOf(`values ${tuple}`)
  if (at < 0 || single.parameters.length !== width) return undefined
  const head = single.sql.slice(0, at + 'values '.length)
  const tail = single.sql.slice(at + 'values '.length + tuple.length)
  const statements: CompiledQuery[] = []
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const count = Math.min(rowsPerStatement, rows.length - start)
    statements.push({
      ...single,
      sql: `${head}${Array.from({ length: count }, () => tuple).join(', ')}${tail}`,
      parameters: query.parameters.slice(start * width, (start + count) * width),
    })
  }
  return statements
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size))
  return chunks
}

function firstResult(results: readonly QueryResult<unknown>[]): QueryResult<unknown> {
  return results[0] ?? { rows: [] }
}

function mergeResults(results: readonly QueryResult<unknown>[]): QueryResult<unknown> {
  let numAffectedRows: bigint | undefined
  const rows: unknown[] = []
  for (const result of results) {
    if (result.numAffectedRows !== undefined) numAffectedRows = (numAffectedRows ?? 0n) + result.numAffectedRows
    for (const row of result.rows) rows.push(row)
  }
  const insertId = results[results.length - 1]?.insertId
  return {
    rows,
    ...(numAffectedRows === undefined ? {} : { numAffectedRows }),
    ...(insertId === undefined ? {} : { insertId }),
  }
}
