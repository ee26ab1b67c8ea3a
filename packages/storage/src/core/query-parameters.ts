import type { CompiledQuery } from 'kysely'
import { StorageError } from './errors.js'

/**
 * Brings bound parameters to the types every engine accepts alike: booleans become `1`/`0`
 * (SQLite has no boolean type), dates their ISO-8601 text and an `ArrayBuffer` a blob. A value
 * the engines would bind differently or refuse with differing messages (`undefined`, an object,
 * an array, a typed array other than bytes, an invalid date, an integer beyond 64 bits) is
 * refused with one clear error.
 */
export function normalizeParameters(query: CompiledQuery, adapter: string): CompiledQuery {
  const { parameters } = query
  let normalized: unknown[] | undefined
  for (let index = 0; index < parameters.length; index++) {
    const value = parameters[index]
    if (typeof value === 'string' || typeof value === 'number' || value === null) continue
    const replacement = normalizeValue(value, () => `parameter ${index + 1} of \`${abbreviate(query.sql)}\``, adapter)
    if (replacement !== value) {
      normalized ??= [...parameters]
      normalized[index] = replacement
    }
  }
  return normalized ? { ...query, parameters: normalized } : query
}

/**
 * One value as SQLite binds it: text, numbers, blobs and `null` unchanged, booleans as `1`/`0`,
 * dates as ISO-8601 text, an `ArrayBuffer` as the blob of its bytes. Any other value is refused
 * with `INVALID_PARAMETER`: engines bind some of them differently (D1 stores an array of numbers
 * as a blob, a `DataView` as an empty one) and refuse the others with messages of their own.
 *
 * @param value - the value to bind
 * @param where - names the value in the error, e.g. "parameter 2 of `select ...`"
 * @param adapter - named in errors
 */
export function normalizeValue(value: unknown, where: () => string, adapter: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
      return value
    case 'boolean':
      return value ? 1 : 0
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) return value
      return refuse(`${where()} is the bigint ${value}, beyond SQLite's 64-bit integers`, adapter)
    case 'undefined':
      return refuse(`${where()} is undefined; pass null for SQL NULL`, adapter)
    case 'object':
      if (value === null || value instanceof Uint8Array) return value
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return refuse(`${where()} is an invalid Date`, adapter)
        return value.toISOString()
      }
      if (value instanceof ArrayBuffer) return new Uint8Array(value)
      break
  }
  return refuse(
    `${where()} is ${describeValue(value)}, which SQLite cannot store; bind text, a number, a bigint, a boolean, a Date, a Uint8Array or null (an object for a JSON column goes through JSON.stringify)`,
    adapter,
  )
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function refuse(message: string, adapter: string): never {
  throw new StorageError('INVALID_PARAMETER', message, { adapter })
}

/** A short description of a value for an error message: its type, and its class for objects. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return 'a blob'
  if (typeof value === 'object') return withArticle(value.constructor?.name ?? 'object')
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`
  return `${typeof value} ${String(value)}`
}

function withArticle(name: string): string {
  return name === 'Object' ? 'an object' : `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`
}

function abbreviate(sql: string): string {
  return sql.length > 80 ? `${sql.slice(0, 77)}...` : sql
}
