import { type Kysely, sql } from 'kysely'
import { StorageError } from '../core/errors.js'

/** A table kept in sync: its columns in order and which of them form the primary key. */
export interface SyncedTable {
  readonly name: string
  readonly columns: readonly string[]
  readonly primaryKey: readonly string[]
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
    const { rows } = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${name})`.execute(
      db,
    )
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
    described.push({ name, columns: rows.map((row) => row.name), primaryKey })
  }
  return described
}

/** Sync's own tables and triggers start with this; application tables must not. */
export const SYNC_PREFIX = '_sync_'

function checkName(name: string, adapter: string): void {
  if (typeof name !== 'string' || name === '' || name.startsWith(SYNC_PREFIX) || name.includes('"')) {
    throw new StorageError('INVALID_PARAMETER', `cannot sync table ${JSON.stringify(name)}`, { adapter })
  }
}

/** `"name"`, quoted as an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
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
