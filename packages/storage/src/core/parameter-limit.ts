import {
  type CompiledQuery,
  InsertQueryNode,
  type QueryResult,
  SqliteQueryCompiler,
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
  if (maxParameters === undefined || query.parameters.length <= maxParameters) return singleStatement(query)
  const node = query.query
  if (!InsertQueryNode.is(node) || !node.values || !ValuesNode.is(node.values) || node.values.values.length < 2) {
    return singleStatement(query)
  }
  const rows = node.values.values
  const parametersPerRow = Math.ceil(query.parameters.length / rows.length)
  const rowsPerStatement = Math.max(1, Math.floor(maxParameters / Math.max(1, parametersPerRow)))
  const compiler = new SqliteQueryCompiler()
  const statements: CompiledQuery[] = []
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = InsertQueryNode.cloneWith(node, { values: ValuesNode.create(rows.slice(start, start + rowsPerStatement)) })
    statements.push(compiler.compileQuery(chunk, query.queryId))
  }
  return { statements, merge: mergeResults }
}

function singleStatement(query: CompiledQuery): ExecutionPlan {
  return { statements: [query], merge: (results) => results[0] ?? { rows: [] } }
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
