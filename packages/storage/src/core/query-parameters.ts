import type { CompiledQuery } from 'kysely'
import { StorageError } from './errors.js'

/**
 * Brings bound parameters to the types every engine accepts alike: booleans become `1`/`0`
 * (SQLite has no boolean type) and dates their ISO-8601 text. `undefined`, which engines reject
 * with differing messages or bind as `null`, is refused with one clear error.
 */
export function normalizeParameters(query: CompiledQuery, adapter: string): CompiledQuery {
  const { parameters } = query
  let normalized: unknown[] | undefined
  for (let index = 0; index < parameters.length; index++) {
    const value = parameters[index]
    const replacement = normalizeValue(value, index, query, adapter)
    if (replacement !== value) {
      normalized ??= [...parameters]
      normalized[index] = replacement
    }
  }
  return normalized ? { ...query, parameters: normalized } : query
}

function normalizeValue(value: unknown, index: number, query: CompiledQuery, adapter: string): unknown {
  switch (typeof value) {
    case 'boolean':
      return value ? 1 : 0
    case 'undefined':
      throw new StorageError(
        'INVALID_PARAMETER',
        `parameter ${index + 1} of \`${abbreviate(query.sql)}\` is undefined; pass null for SQL NULL`,
        { adapter },
      )
    case 'object':
      return value instanceof Date ? value.toISOString() : value
    default:
      return value
  }
}

function abbreviate(sql: string): string {
  return sql.length > 80 ? `${sql.slice(0, 77)}...` : sql
}
