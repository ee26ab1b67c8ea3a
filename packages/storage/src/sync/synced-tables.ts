import { type Kysely, sql } from 'kysely'
import { StorageError } from '../core/errors.js'
import { quoteIdentifier } from '../core/quote-identifier.js'

import { fromWire } from './sync-protocol.js'

/** A table kept in sync: its columns in order and which of them form the primary key. */
export interface SyncedTable {
  readonly name: string
  readonly columns: readonly string[]
  readonly primaryKey: readonly string[]
  /**
   * The columns of INTEGER, REAL or NUMERIC affinity, which store a number the same whether it is
   * bound as an integer or as a real (SQLite's affinity rules, from the declared type).
   */
  readonly numericColumns: ReadonlySet<string>
}

/**
 * Reads each table's columns and primary key from the database. A table that does not exist, or
 * has no declared primary key (rows could not be matched between client and server), is refused.
 */
export async function describeSyncedTables(
  db: Kysely<any>,
  tables: readonly string[],
  adapter: string,
): Promise<SyncedTable[]> {
  const described: SyncedTable[] = []
  for (const name of tables) {
    checkName(name, adapter)
    const { rows } = await sql<{
      name: string
      type: string
      pk: number
    }>`select name, type, pk from pragma_table_info(${name})`.execute(db)
    if (rows.length === 0) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `cannot sync table "${name}": it does not exist (run migrate() first)`,
        {
          adapter,
        },
      )
    }
    const primaryKey = rows
      .filter((row) => row.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((row) => row.name)
    if (primaryKey.length === 0) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `cannot sync table "${name}": it has no primary key; give it one so that client and server rows can be matched`,
        { adapter },
      )
    }
    const blobKey = rows.find((row) => row.pk > 0 && row.type.toUpperCase().includes('BLOB'))
    if (blobKey) {
      // SQLite's json_array, which the change log and the undo log key rows by, cannot hold a blob.
      throw new StorageError(
        'INVALID_PARAMETER',
        `cannot sync table "${name}": its primary key column "${blobKey.name}" is a blob; use text or integer keys`,
        { adapter },
      )
    }
    described.push({
      name,
      columns: rows.map((row) => row.name),
      primaryKey,
      numericColumns: new Set(rows.filter((row) => hasNumericAffinity(row.type)).map((row) => row.name)),
    })
  }
  return described
}

/** SQLite's affinity rules (in their order): INTEGER, REAL or NUMERIC rather than TEXT or BLOB. */
function hasNumericAffinity(declaredType: string): boolean {
  const type = declaredType.toUpperCase()
  if (type.includes('INT')) return true
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return false
  if (type.includes('BLOB') || type === '') return false
  return true
}

/** Sync's own tables and triggers start with this; application tables must not. */
export const SYNC_PREFIX = '_sync_'

function checkName(name: string, adapter: string): void {
  if (typeof name !== 'string' || name === '' || name.startsWith(SYNC_PREFIX) || name.includes('"')) {
    throw new StorageError('INVALID_PARAMETER', `cannot sync table ${JSON.stringify(name)}`, { adapter })
  }
}

/** `'text'`, quoted as an SQL string literal. */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** `json_array(<prefix>."a", <prefix>."b")`: a row's primary key as JSON text. */
export function primaryKeyJson(table: SyncedTable, prefix: 'new' | 'old' | null): string {
  const columns = table.primaryKey.map((column) => (prefix ? `${prefix}.` : '') + quoteIdentifier(column))
  return `json_array(${columns.join(', ')})`
}

/**
 * The primary key of rows whose keys are in the JSON array bound as the only parameter:
 * `("a", "b") in (select json_extract(value, '$[0]'), json_extract(value, '$[1]') from json_each(?))`.
 */
export function primaryKeyInJson(table: SyncedTable): string {
  const columns = table.primaryKey.map(quoteIdentifier).join(', ')
  const extracts = table.primaryKey.map((_, index) => `json_extract(value, '$[${index}]')`).join(', ')
  return `(${columns}) in (select ${extracts} from json_each(?))`
}

/**
 * Parses a primary key as SQLite's `json_array` wrote it, keeping integers beyond 2^53 exact
 * (as bigints): `JSON.parse` would round them to a neighbouring key.
 */
export function parseKey(text: string): unknown[] {
  const tagged = text.replace(/"(?:[^"\\]|\\.)*"|(?<![.\d])(-?\d{16,})(?![.eE\d])/g, (match, integer?: string) =>
    integer === undefined ? match : `{"$int":"${integer}"}`,
  )
  return (JSON.parse(tagged) as unknown[]).map((value) =>
    value !== null && typeof value === 'object' ? fromWire(value as { $int: string }) : value,
  )
}

/** A value as text that keeps its SQLite type exactly: `n`, `i42`, `r0.10000000000000001`, `tabc`, `b00ff`. */
export function encodedCell(value: string): string {
  return `case typeof(${value}) when 'integer' then 'i' || ${value} when 'real' then 'r' || printf('%.17g', ${value}) when 'text' then 't' || ${value} when 'blob' then 'b' || hex(${value}) else 'n' end`
}

/** Reads a value written by {@link encodedCell}: big integers as bigints, blobs as bytes. */
export function decodeCell(cell: string): unknown {
  const body = cell.slice(1)
  switch (cell[0]) {
    case 'i': {
      const integer = BigInt(body)
      return Number.isSafeInteger(Number(integer)) ? Number(integer) : integer
    }
    case 'r':
      // printf writes infinite reals as Inf and -Inf.
      return body === 'Inf' ? Number.POSITIVE_INFINITY : body === '-Inf' ? Number.NEGATIVE_INFINITY : Number(body)
    case 't':
      return body
    case 'b': {
      const bytes = new Uint8Array(body.length / 2)
      for (let index = 0; index < bytes.length; index++)
        bytes[index] = Number.parseInt(body.slice(index * 2, index * 2 + 2), 16)
      return bytes
    }
    default:
      return null
  }
}

/** `json_array(<encoded "a">, <encoded "b">)`: a whole row as JSON text that keeps every value exact. */
export function encodedRowJson(table: SyncedTable): string {
  return `json_array(${table.columns.map((column) => encodedCell(quoteIdentifier(column))).join(', ')})`
}
