import type { PreparedStatement } from '@sqlite.org/sqlite-wasm'
import type { WasmSqlite } from './wasm-sqlite.js'

/** `sqlite3_step` answers: a row is ready, or the statement has finished. */
const ROW = 100
const DONE = 101
/** SQLite's fundamental column types, as `sqlite3_column_type` answers. */
const INTEGER = 1
const FLOAT = 2
const TEXT = 3
const BLOB = 4
/** `SQLITE_STMTSTATUS_REPREPARE`: how often SQLite compiled the statement again (after a schema change). */
const REPREPARE = 5
/** `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns, so the buffer can be reused. */
const TRANSIENT = -1

/** The raw WASM exports used here: numbers and pointers in, numbers and pointers out. */
interface SqliteExports {
  sqlite3_step(statement: number): number
  sqlite3_reset(statement: number): number
  sqlite3_clear_bindings(statement: number): number
  sqlite3_stmt_readonly(statement: number): number
  sqlite3_get_autocommit(database: number): number
  sqlite3_bind_parameter_count(statement: number): number
  sqlite3_bind_null(statement: number, index: number): number
  sqlite3_bind_int(statement: number, index: number, value: number): number
  sqlite3_bind_int64(statement: number, index: number, value: bigint): number
  sqlite3_bind_double(statement: number, index: number, value: number): number
  sqlite3_bind_text(statement: number, index: number, pointer: number, bytes: number, destructor: number): number
  sqlite3_bind_blob(statement: number, index: number, pointer: number, bytes: number, destructor: number): number
  sqlite3_column_count(statement: number): number
  sqlite3_column_name(statement: number, index: number): number
  sqlite3_column_type(statement: number, index: number): number
  sqlite3_column_int64(statement: number, index: number): bigint
  sqlite3_column_double(statement: number, index: number): number
  sqlite3_column_text(statement: number, index: number): number
  sqlite3_column_blob(statement: number, index: number): number
  sqlite3_column_bytes(statement: number, index: number): number
  sqlite3_stmt_status(statement: number, operation: number, reset: number): number
}

/** A statement's column names, and the compile they belong to. */
interface ColumnNames {
  readonly reprepares: number
  readonly names: readonly string[]
}

/** Up to this many bytes, ASCII text is converted by a loop instead of TextEncoder/TextDecoder. */
const SHORT_TEXT = 64
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/**
 * Runs prepared statements through sqlite-wasm's raw exports, the hot path of every query.
 * sqlite-wasm's object API and its `capi` wrappers do the same with checks, conversions and a
 * scoped allocation on every call (and decode every column name from WASM memory for every row);
 * here column names are decoded once per compile of a statement, and strings and blobs go through
 * one reused buffer. Values come out as the object API gives them: integers as numbers, as bigint
 * only beyond 2^53; text as strings; blobs as Uint8Array copies; NULL as null. Errors are thrown
 * as the object API throws them.
 */
export class RawStatements {
  readonly #sqlite: WasmSqlite
  readonly #exports: SqliteExports
  readonly #names = new WeakMap<PreparedStatement, ColumnNames>()
  readonly #encoder = new TextEncoder()
  readonly #decoder = new TextDecoder()
  #buffer = 0
  #bufferSize = 0

  /** @param sqlite - the loaded module */
  constructor(sqlite: WasmSqlite) {
    this.#sqlite = sqlite
    this.#exports = sqlite.wasm.exports as SqliteExports
  }

  /**
   * Steps `statement`: true when a row is ready, false when it has finished; throws SQLite's error.
   *
   * @param statement - a prepared statement
   * @param database - the connection's handle, for the error message
   */
  step(statement: PreparedStatement, database: number): boolean {
    const result = this.#exports.sqlite3_step(statement.pointer as number)
    if (result === ROW) return true
    if (result === DONE) return false
    this.#sqlite.oo1.DB.checkRc(database, result)
    throw new Error(`sqlite3_step answered ${result}`)
  }

  /** Resets `statement` and clears its bindings, ignoring the error a failed step already threw. */
  reset(statement: PreparedStatement): void {
    const pointer = statement.pointer as number
    this.#exports.sqlite3_clear_bindings(pointer)
    this.#exports.sqlite3_reset(pointer)
  }

  /** Whether `statement` leaves the database unchanged. */
  isReadOnly(statement: PreparedStatement): boolean {
    return this.#exports.sqlite3_stmt_readonly(statement.pointer as number) !== 0
  }

  /** How many columns `statement` returns (0 for a statement returning no rows). */
  columnCount(statement: PreparedStatement): number {
    return this.#exports.sqlite3_column_count(statement.pointer as number)
  }

  /** Whether no transaction is open on the connection `database`. */
  inAutocommit(database: number): boolean {
    return this.#exports.sqlite3_get_autocommit(database) !== 0
  }

  /**
   * Binds `parameters` to `statement` in order. Returns false, with the statement perhaps partly
   * bound, when a value is of a type this fast path leaves to sqlite-wasm's own `bind` (which then
   * binds every value again, or throws its error), when SQLite refuses a value, or when the count
   * does not match the statement's.
   *
   * @param statement - a statement reset since its last run
   * @param parameters - the values, one per `?`
   */
  bind(statement: PreparedStatement, parameters: readonly unknown[]): boolean {
    const exports = this.#exports
    const pointer = statement.pointer as number
    if (exports.sqlite3_bind_parameter_count(pointer) !== parameters.length) return false
    for (let index = 0; index < parameters.length; index++) {
      const value = parameters[index]
      const position = index + 1
      let result: number
      if (value === null || value === undefined) result = exports.sqlite3_bind_null(pointer, position)
      else if (typeof value === 'number') {
        if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
          result = exports.sqlite3_bind_int(pointer, position, value)
        } else if (Number.isSafeInteger(value)) {
          result = exports.sqlite3_bind_int64(pointer, position, BigInt(value))
        } else {
          // A fraction, or an integral number beyond 2^53, which is a double anyway.
          result = exports.sqlite3_bind_double(pointer, position, value)
        }
      } else if (typeof value === 'string') {
        const bytes = this.#encode(value)
        result = exports.sqlite3_bind_text(pointer, position, this.#buffer, bytes, TRANSIENT)
      } else if (typeof value === 'boolean') result = exports.sqlite3_bind_int(pointer, position, value ? 1 : 0)
      else if (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n) {
        result = exports.sqlite3_bind_int64(pointer, position, value)
      } else if (value instanceof Uint8Array || value instanceof Int8Array || value instanceof ArrayBuffer) {
        const bytes =
          value instanceof ArrayBuffer
            ? new Uint8Array(value)
            : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        this.#reserve(bytes.byteLength)
        this.#sqlite.wasm.heap8u().set(bytes, this.#buffer)
        result = exports.sqlite3_bind_blob(pointer, position, this.#buffer, bytes.byteLength, TRANSIENT)
      } else return false
      if (result !== 0) return false
    }
    return true
  }

  /**
   * The current row of `statement` as an object keyed by column name.
   *
   * @param statement - a statement whose last step returned a row
   */
  row(statement: PreparedStatement): Record<string, unknown> {
    const exports = this.#exports
    const pointer = statement.pointer as number
    const names = this.#columnNames(statement, pointer)
    const row: Record<string, unknown> = {}
    for (let index = 0; index < names.length; index++) {
      row[names[index] as string] = this.#column(exports, pointer, index)
    }
    return row
  }

  #column(exports: SqliteExports, pointer: number, index: number): unknown {
    switch (exports.sqlite3_column_type(pointer, index)) {
      case INTEGER: {
        // Exact as a double whenever it is a safe integer; otherwise the 64-bit value, as bigint.
        const value = exports.sqlite3_column_double(pointer, index)
        return Number.isSafeInteger(value) ? value : exports.sqlite3_column_int64(pointer, index)
      }
      case FLOAT:
        return exports.sqlite3_column_double(pointer, index)
      case TEXT: {
        const text = exports.sqlite3_column_text(pointer, index)
        const bytes = exports.sqlite3_column_bytes(pointer, index)
        return this.#decode(this.#sqlite.wasm.heap8u(), text, bytes)
      }
      case BLOB: {
        const blob = exports.sqlite3_column_blob(pointer, index)
        const bytes = exports.sqlite3_column_bytes(pointer, index)
        return this.#sqlite.wasm.heap8u().slice(blob, blob + bytes)
      }
      default:
        return null
    }
  }

  /** The column names, decoded again only when SQLite compiled the statement anew. */
  #columnNames(statement: PreparedStatement, pointer: number): readonly string[] {
    const exports = this.#exports
    const reprepares = exports.sqlite3_stmt_status(pointer, REPREPARE, 0)
    const known = this.#names.get(statement)
    if (known && known.reprepares === reprepares) return known.names
    const names: string[] = []
    const count = exports.sqlite3_column_count(pointer)
    for (let index = 0; index < count; index++) {
      names.push(this.#sqlite.wasm.cstrToJs(exports.sqlite3_column_name(pointer, index)) as string)
    }
    this.#names.set(statement, { reprepares, names })
    return names
  }

  /**
   * Decodes UTF-8 text. A short ASCII string, the usual key or code, is built directly: a
   * `TextDecoder` call costs more than the loop.
   */
  #decode(heap: Uint8Array, start: number, length: number): string {
    if (length <= SHORT_TEXT) {
      let text = ''
      for (let index = start; index < start + length; index++) {
        const byte = heap[index] as number
        if (byte >= 0x80) return this.#decoder.decode(heap.subarray(start, start + length))
        text += String.fromCharCode(byte)
      }
      return text
    }
    return this.#decoder.decode(heap.subarray(start, start + length))
  }

  /** Writes `text` as UTF-8 into the buffer; returns its length in bytes. Short ASCII is copied directly. */
  #encode(text: string): number {
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    this.#reserve(text.length * 3)
    const heap = this.#sqlite.wasm.heap8u()
    const buffer = this.#buffer
    if (text.length <= SHORT_TEXT) {
      let index = 0
      for (; index < text.length; index++) {
        const code = text.charCodeAt(index)
        if (code >= 0x80) break
        heap[buffer + index] = code
      }
      if (index === text.length) return index
    }
    return this.#encoder.encodeInto(text, heap.subarray(buffer, buffer + this.#bufferSize)).written
  }

  #reserve(bytes: number): void {
    if (bytes <= this.#bufferSize && this.#buffer !== 0) return
    const { wasm } = this.#sqlite
    if (this.#buffer !== 0) wasm.dealloc(this.#buffer)
    const size = Math.max(bytes, 256, this.#bufferSize * 2)
    this.#buffer = wasm.alloc(size) as number
    this.#bufferSize = size
  }

  /** Frees the buffer. */
  dispose(): void {
    if (this.#buffer !== 0) this.#sqlite.wasm.dealloc(this.#buffer)
    this.#buffer = 0
    this.#bufferSize = 0
  }
}
