import type { CompiledQuery, QueryResult } from 'kysely'
import { StorageError } from '../../core/errors.js'

/** What D1 reported for one statement, with SQLite's own count of the rows it changed. */
export interface D1Outcome {
  /** The rows D1 returned. */
  rows: readonly unknown[]
  /** D1's `meta.changes`: every row the statement changed, rows of cascades and triggers included. */
  changes: number | undefined
  /** `changes()` read right after the statement, in the same batch; absent for a statement that returns rows. */
  ownChanges: number | undefined
  /** D1's `meta.last_row_id`: `last_insert_rowid()` after the statement. */
  lastRowId: number | null | undefined
}

/**
 * Brings D1's answer to the shape Kysely's SQLite driver gives: blobs as `Uint8Array` (D1 returns
 * arrays of byte values); a statement that returns rows gives its rows only; any other gives the
 * rows it changed as SQLite's `changes()` counts them, not D1's count, which includes cascaded
 * rows, and the last inserted rowid.
 */
export function toQueryResult<R>(outcome: D1Outcome): QueryResult<R> {
  const rows = outcome.rows.map(withBlobsAsBytes) as R[]
  if (outcome.ownChanges === undefined || rows.length > 0) return { rows }
  // As better-sqlite3 counts: `changes()` keeps the count of the last insert, update or delete, so
  // a statement that changed nothing (a schema statement) reports 0 instead.
  const changed = outcome.changes !== 0
  return {
    rows,
    numAffectedRows: BigInt(changed ? outcome.ownChanges : 0),
    ...(outcome.lastRowId === undefined || outcome.lastRowId === null ? {} : { insertId: BigInt(outcome.lastRowId) }),
  }
}

/**
 * The query's parameters as D1 binds them: blobs as plain Uint8Arrays; D1 refuses bigints, so those within JavaScript's safe
 * integer range go as numbers and larger ones are refused with a clear error instead of losing digits; an infinite number,
 * which D1 would store as NULL, is refused too.
 */
export function toD1Parameters(query: CompiledQuery): unknown[] {
  return query.parameters.map((value, index) => {
    // A Uint8Array subclass (Node's Buffer, as better-sqlite3 returns blobs) goes as a plain
    // Uint8Array on the same bytes: Miniflare's binding proxy rebuilds views by class name and
    // knows no Buffer, and no binding needs more than the bytes.
    if (value instanceof Uint8Array && value.constructor !== Uint8Array) {
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    }
    if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `parameter ${index + 1} is ${value}; D1 sends bound values as JSON, which turns an infinite number into NULL`,
        { adapter: 'd1' },
      )
    }
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
