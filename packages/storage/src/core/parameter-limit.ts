import {
  type CompiledQuery,
  InsertQueryNode,
  PrimitiveValueListNode,
  type QueryResult,
  SqliteQueryCompiler,
  type ValuesItemNode,
  ValuesNode,
} from 'kysely'
import { JsonInListRewriter } from './json-in-list-rewriter.js'

/**
 * A query as the engine will run it: one statement, or several that together do what the
 * original did and must run atomically, with their results merged back into one.
 */
export interface ExecutionPlan {
  readonly statements: readonly CompiledQuery[]
  merge(results: readonly QueryResult<unknown>[]): QueryResult<unknown>
}

/**
 * Fits a query into an engine's limit on bound parameters.
 * - A multi-row insert above the limit is split into inserts of as many rows as fit; their
 *   `returning` rows are concatenated in order and their affected-row counts summed.
 * - Otherwise the largest `in (...)` lists are rewritten, one after the other until the query
 *   fits, to read their values from `json_each(?)` (see {@link JsonInListRewriter}).
 * Anything else is left as it is, for the engine to accept or refuse.
 *
 * @param query - the query as compiled, parameters not yet normalised
 * @param maxParameters - the engine's limit; `undefined` for none
 * @param adapter - named in errors
 */
export function planWithinParameterLimit(
  query: CompiledQuery,
  maxParameters: number | undefined,
  adapter: string,
): ExecutionPlan {
  if (maxParameters === undefined || query.parameters.length <= maxParameters) return singleStatement(query)
  const node = query.query
  if (InsertQueryNode.is(node) && node.values && ValuesNode.is(node.values) && node.values.values.length >= 2) {
    return splitInsert(query, node, node.values, maxParameters)
  }
  return singleStatement(readInListsFromJson(query, maxParameters, adapter) ?? query)
}

function splitInsert(
  query: CompiledQuery,
  node: InsertQueryNode,
  values: ValuesNode,
  maxParameters: number,
): ExecutionPlan {
  const rows = values.values
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

/** The query with its largest `in` lists read from JSON until it fits, or `undefined` if none helps. */
function readInListsFromJson(query: CompiledQuery, maxParameters: number, adapter: string): CompiledQuery | undefined {
  if (query.query === undefined) return undefined
  const lists = JsonInListRewriter.inListsOf(query.query).sort((a, b) => b.values.length - a.values.length)
  const chosen = new Set<PrimitiveValueListNode>()
  let parameters = query.parameters.length
  for (const list of lists) {
    if (parameters <= maxParameters || list.values.length < 2) break
    chosen.add(list)
    parameters -= list.values.length - 1
  }
  if (chosen.size === 0) return undefined
  const rewritten = new JsonInListRewriter(chosen, adapter).transformNode(query.query)
  return new SqliteQueryCompiler().compileQuery(rewritten, query.queryId)
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
