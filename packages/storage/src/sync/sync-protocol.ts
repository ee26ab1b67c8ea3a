import {
  CheckConstraintError,
  ForeignKeyConstraintError,
  LimitExceededError,
  NotNullConstraintError,
  StorageError,
  type StorageErrorCode,
  type StorageLimit,
  UniqueConstraintError,
} from '../core/errors.js'

/** The version of the wire format; a server refuses requests of another. */
export const SYNC_PROTOCOL_VERSION = 1

/** Mutations a client sends in one request at most; a server refuses a request with more (413). */
export const MAX_MUTATIONS_PER_REQUEST = 1000

/**
 * The longest mutator name; a server refuses a request naming a longer one (400). The name of a
 * refused mutation is stored and sent back with every pull until the client acknowledges it, so it
 * must stay small whatever a client sends.
 */
export const MAX_MUTATOR_NAME_LENGTH = 128

/** A value as it travels in JSON: SQLite's values, with blobs, big integers and infinite reals tagged. */
export type WireValue = string | number | null | { $bytes: string } | { $int: string } | { $real: string }

/** One mutation of a client's outbox, in the order the client made it. */
export interface WireMutation {
  /** Increasing per client, never reused. */
  readonly id: number
  /** The mutator's name. */
  readonly name: string
  /** Its arguments, as given to `client.mutate.<name>(args)`. */
  readonly args: unknown
}

/** What a client sends: its pending mutations (push) and how far it has read the change log (pull). */
export interface SyncRequestBody {
  readonly protocol: number
  readonly clientId: string
  /** The name of the last migration the client's database has; it must equal the server's. */
  readonly schema: string | null
  /** The server's change-log position the client has applied, `null` for a client that has none. */
  readonly cursor: number | null
  /**
   * The tag of the change-log entry at `cursor`, as the server gave it. A server whose entry at
   * that position has another tag (its database was replaced or restored) sends every row.
   */
  readonly cursorTag: string | null
  /** The last mutation id the client knows the server has finished (applied or rejected). */
  readonly acknowledged: number
  readonly mutations: readonly WireMutation[]
}

/** The rows of one table that changed since the client's cursor. */
export interface WireTableChanges {
  readonly table: string
  /** Current rows, each as its columns' values in `columns` order. */
  readonly columns: readonly string[]
  readonly upserts: readonly (readonly WireValue[])[]
  /** Primary keys of rows that no longer exist, each in primary-key column order. */
  readonly deletes: readonly (readonly WireValue[])[]
}

/** A mutation the server refused: its effects were never applied there. */
export interface WireRejection {
  readonly id: number
  readonly name: string
  /** The error, as `StorageError.toJSON()` gives it. */
  readonly error: Record<string, unknown>
}

/** What the server answers. */
export interface SyncResponseBody {
  readonly protocol: number
  /** Every mutation of this client up to this id is finished on the server. */
  readonly lastMutationId: number
  /** Mutations refused since `acknowledged`. */
  readonly rejected: readonly WireRejection[]
  /** The change-log position the client has after applying this answer. */
  readonly cursor: number
  /** The tag of the change-log entry at `cursor` (`null` for an empty log): the client sends it back. */
  readonly cursorTag: string | null
  /** `true`: `changes` holds every row of every table; the client replaces what it has. */
  readonly reset: boolean
  readonly changes: readonly WireTableChanges[]
}

/** Writes a SQLite value so that JSON keeps it exactly. */
export function toWire(value: unknown): WireValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  // JSON writes an infinite number as null: tag it, a real column may hold one.
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $real: String(value) }
  if (typeof value === 'bigint') return { $int: value.toString() }
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return { $bytes: bytesToBase64(value) }
  if (value instanceof ArrayBuffer) return { $bytes: bytesToBase64(new Uint8Array(value)) }
  throw new TypeError(`a ${typeof value} cannot be stored in SQLite`)
}

/** Reads a value written by {@link toWire}. */
export function fromWire(value: WireValue): unknown {
  if (value === null || typeof value !== 'object') return value
  if ('$bytes' in value) return base64ToBytes(value.$bytes)
  if ('$real' in value) return Number(value.$real)
  const integer = BigInt(value.$int)
  return Number.isSafeInteger(Number(integer)) ? Number(integer) : integer
}

/** Whether `value` has the shape of a {@link WireValue}. */
export function isWireValue(value: unknown): value is WireValue {
  if (value === null || typeof value === 'string') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (typeof value !== 'object') return false
  const keys = Object.keys(value as object)
  if (keys.length !== 1) return false
  const tagged = value as Record<string, unknown>
  return (
    (keys[0] === '$bytes' && typeof tagged.$bytes === 'string') ||
    (keys[0] === '$int' && typeof tagged.$int === 'string' && /^-?\d{1,20}$/.test(tagged.$int)) ||
    (keys[0] === '$real' && (tagged.$real === 'Infinity' || tagged.$real === '-Infinity'))
  )
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000))
  }
  return btoa(binary)
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

/**
 * Rebuilds on the client the typed error the server sent for a rejected mutation, so the
 * application branches on it as it would on a local failure (`instanceof CheckConstraintError`).
 */
export function reviveStorageError(json: Record<string, unknown>, adapter: string): StorageError {
  const code = String(json.code ?? 'QUERY_FAILED') as StorageErrorCode
  const message = stripPrefix(String(json.message ?? 'the server rejected the mutation'))
  const table = typeof json.table === 'string' ? json.table : undefined
  const columns = Array.isArray(json.columns) ? json.columns.map(String) : undefined
  const constraint = typeof json.constraint === 'string' ? json.constraint : undefined
  const options = { adapter, table, columns, constraint }
  switch (code) {
    case 'UNIQUE_CONSTRAINT':
      return new UniqueConstraintError(options)
    case 'NOT_NULL_CONSTRAINT':
      return new NotNullConstraintError(options)
    case 'FOREIGN_KEY_CONSTRAINT':
      return new ForeignKeyConstraintError(options)
    case 'CHECK_CONSTRAINT':
      return new CheckConstraintError(options)
    case 'LIMIT_EXCEEDED':
      return new LimitExceededError(message, { adapter, limit: String(json.limit) as StorageLimit })
    default:
      return new StorageError(code, message, { adapter })
  }
}

/** `[@inventory/storage] [sqlite] text` → `text`: the client adds its own prefix. */
function stripPrefix(message: string): string {
  return message.replace(/^\[@inventory\/storage\] \[[^\]]*\] /, '')
}
