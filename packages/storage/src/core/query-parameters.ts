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
    if (value === undefined) {
      throw new StorageError(
        'INVALID_PARAMETER',
        `parameter ${index + 1} of \`${abbreviate(query.sql)}\` is undefined; pass null for SQL NULL`,
        { adapter },
      )
    }
    const replacement = normalizeValue(value)
    if (replacement !== value) {
      normalized ??= [...parameters]
      normalized[index] = replacement
    }
  }
  return normalized ? { ...query, parameters: normalized } : query
}

/** One value as SQLite stores it: booleans as `1`/`0`, dates as ISO-8601 text, the rest unchanged. */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  return value
}

function abbreviate(sql: string): string {
  return sql.length > 80 ? `${sql.slice(0, 77)}...` : sql
}
