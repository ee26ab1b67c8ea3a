import {
  type CompiledQuery,
  DeleteQueryNode,
  InsertQueryNode,
  type QueryResult,
  SelectQueryNode,
  UpdateQueryNode,
} from 'kysely'

/**
 * One result shape for a query, whatever the engine reported. Engines disagree on the edges:
 * better-sqlite3 and WASM SQLite give only rows for a write with `returning`, D1 also its change
 * count; every engine reports `last_insert_rowid()` after an update or delete, a value left over
 * from some earlier insert. So:
 * - a select carries its rows only;
 * - a write with `returning` carries its rows and, as their number, the affected-row count
 *   (SQLite returns exactly one row per row it inserted, updated or deleted);
 * - an update or delete carries no `insertId`.
 * Raw SQL is passed through: its kind is not known.
 */
export function toUniformResult<R>(query: CompiledQuery, result: QueryResult<R>): QueryResult<R> {
  const node = query.query
  if (node === undefined) return result
  if (SelectQueryNode.is(node)) {
    return result.numAffectedRows === undefined && result.insertId === undefined ? result : { rows: result.rows }
  }
  const insert = InsertQueryNode.is(node)
  if (!insert && !UpdateQueryNode.is(node) && !DeleteQueryNode.is(node)) return result
  if (node.returning) return { rows: result.rows, numAffectedRows: BigInt(result.rows.length) }
  if (insert || result.insertId === undefined) return result
  return {
    rows: result.rows,
    ...(result.numAffectedRows === undefined ? {} : { numAffectedRows: result.numAffectedRows }),
  }
}
