import { type CompiledQuery, type QueryResult, SelectQueryNode } from 'kysely'
import { StorageError } from '../../core/errors.js'

/** What D1 reported for one statement, from a single query or from one slot of a batch. */
export interface D1Outcome {
  rows: readonly unknown[]
  changes: number | bigint | undefined
  lastRowId: number | bigint | null | undefined
}

/**
 * Brings D1's answer to the shape the other adapters give: blobs as `Uint8Array` (D1 returns
 * arrays of byte values), and for writes the affected-row count (also when it is 0) and the
 * inserted rowid as bigints. Reads carry rows only, as on sqlite.
 */
export function toQueryResult<R>(query: CompiledQuery, outcome: D1Outcome): QueryResult<R> {
  const rows = outcome.rows.map(withBlobsAsBytes) as R[]
  if (query.query !== undefined && SelectQueryNode.is(query.query)) return { rows }
  return {
    rows,
    numAffectedRows: BigInt(outcome.changes ?? 0),
    ...(outcome.lastRowId === undefined || outcome.lastRowId === null ? {} : { insertId: BigInt(outcome.lastRowId) }),
  }
}

/**
 * The query's parameters as D1 binds them: D1 refuses bigints, so those within JavaScript's safe
 * integer range go as numbers and larger ones are refused with a clear error instead of losing digits.
 */
export function toD1Parameters(query: CompiledQuery): unknown[] {
  return query.parameters.map((value, index) => {
    if (typeof value !== 'bigint') return value
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
    throw new StorageError(
      'INVALID_PARAMETER',
      `parameter ${index + 1} is the bigint ${value}; D1 binds integers as JavaScript numbers, which hold at most 2^53 - 1 exactly`,
      { adapter: 'd1' },
    )
  })
}

function withBlobsAsBytes(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row
  let converted: Record<string, unknown> | undefined
  for (const [column, value] of Object.entries(row)) {
    // SQLite has no array type: an array in a result row can only be a blob.
    const bytes = Array.isArray(value)
      ? Uint8Array.from(value)
      : value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : undefined
    if (bytes) {
      converted ??= { ...row }
      converted[column] = bytes
    }
  }
  return converted ?? row
}
