/**
 * The error classes every adapter throws. Whatever text an engine produced, a failure of the
 * same kind surfaces as the same class with the same {@link StorageError.code | code}, so
 * application code can branch with `instanceof` and never parse engine messages.
 *
 * @module
 */

/** Machine-readable error codes carried by {@link StorageError.code}. */
export type StorageErrorCode =
  | 'UNIQUE_CONSTRAINT'
  | 'NOT_NULL_CONSTRAINT'
  | 'FOREIGN_KEY_CONSTRAINT'
  | 'CHECK_CONSTRAINT'
  | 'QUOTA_EXCEEDED'
  | 'LIMIT_EXCEEDED'
  | 'UNSUPPORTED_OPERATION'
  | 'STORAGE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'INVALID_PARAMETER'
  | 'CORRUPT_STORAGE'
  | 'STORAGE_CLOSED'
  | 'STORAGE_BUSY'
  | 'QUERY_FAILED'

/** Options shared by every {@link StorageError} constructor. */
export interface StorageErrorOptions {
  /** The adapter that raised the error (`'sqlite'`, `'d1'`, ...). */
  adapter: string
  /** The underlying engine error, kept for debugging. */
  cause?: unknown
}

/**
 * Base class of every error this library throws.
 *
 * @example
 * ```ts
 * try {
 *   await db.insertInto('items').values(item).execute()
 * } catch (error) {
 *   if (error instanceof StorageError) console.error(error.code, error.adapter)
 * }
 * ```
 */
export class StorageError extends Error {
  /** Stable machine-readable code, the same on every adapter. */
  readonly code: StorageErrorCode
  /** The adapter that raised the error. */
  readonly adapter: string

  /**
   * @param code - stable machine-readable code
   * @param message - what went wrong, in words a person can act on
   * @param options - the adapter and the underlying cause
   */
  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions) {
    super(`[@inventory/storage] [${options.adapter}] ${message}`, { cause: options.cause })
    this.name = 'StorageError'
    this.code = code
    this.adapter = options.adapter
  }

  /** A plain object with the name, message and every structured field, for logs and JSON APIs. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = { name: this.name, message: this.message }
    for (const [key, value] of Object.entries(this)) if (key !== 'cause') fields[key] = value
    return fields
  }
}

/** Fields shared by the constraint errors: where the engine names them, the table and columns. */
export interface ConstraintErrorOptions extends StorageErrorOptions {
  /** The table whose constraint failed, when the engine names it. */
  table?: string | undefined
  /** The columns of the failed constraint, when the engine names them. */
  columns?: readonly string[] | undefined
  /** The constraint's name or expression, when the engine names it (CHECK constraints). */
  constraint?: string | undefined
}

/** Base class of the four constraint errors. */
export abstract class ConstraintError extends StorageError {
  /** The table whose constraint failed, when the engine names it. */
  readonly table: string | undefined
  /** The columns of the failed constraint (empty when the engine does not name them). */
  readonly columns: readonly string[]
  /** The CHECK constraint's name or expression, when the engine names it. */
  readonly constraint: string | undefined

  /**
   * @param code - the constraint kind's code
   * @param message - what went wrong
   * @param options - adapter, cause, table, columns and constraint
   */
  constructor(code: StorageErrorCode, message: string, options: ConstraintErrorOptions) {
    super(code, message, options)
    this.table = options.table
    this.columns = Object.freeze([...(options.columns ?? [])])
    this.constraint = options.constraint
  }
}

/** A row would duplicate a value of a `unique` or `primary key` constraint. */
export class UniqueConstraintError extends ConstraintError {
  /** @param options - adapter, cause, table and columns */
  constructor(options: ConstraintErrorOptions) {
    super('UNIQUE_CONSTRAINT', describeConstraint('unique', options), options)
    this.name = 'UniqueConstraintError'
  }
}

/** A `not null` column was given no value or `null`. */
export class NotNullConstraintError extends ConstraintError {
  /** @param options - adapter, cause, table and columns */
  constructor(options: ConstraintErrorOptions) {
    super('NOT_NULL_CONSTRAINT', describeConstraint('not null', options), options)
    this.name = 'NotNullConstraintError'
  }
}

/** A foreign key points to a missing row, or a referenced row is still referenced. */
export class ForeignKeyConstraintError extends ConstraintError {
  /** @param options - adapter, cause, table and columns */
  constructor(options: ConstraintErrorOptions) {
    super('FOREIGN_KEY_CONSTRAINT', describeConstraint('foreign key', options), options)
    this.name = 'ForeignKeyConstraintError'
  }
}

/** A `check` constraint evaluated to false. */
export class CheckConstraintError extends ConstraintError {
  /** @param options - adapter, cause, table, columns and the constraint's name or expression */
  constructor(options: ConstraintErrorOptions) {
    super('CHECK_CONSTRAINT', describeConstraint('check', options), options)
    this.name = 'CheckConstraintError'
  }
}

/** The storage behind the adapter is full (browser quota, disk full). Nothing of the write was kept. */
export class StorageQuotaError extends StorageError {
  /**
   * @param message - what was being written
   * @param options - adapter and cause
   */
  constructor(message: string, options: StorageErrorOptions) {
    super('QUOTA_EXCEEDED', message, options)
    this.name = 'StorageQuotaError'
  }
}

/** Which of the engine's limits a {@link LimitExceededError} hit. */
export type StorageLimit =
  /** The SQL text of one statement is too long (D1: 100,000 bytes). */
  | 'statement-length'
  /** One string, blob or row is too big (D1: 2 MB). */
  | 'value-size'
  /** One statement binds too many parameters (D1: 100; SQLite: 32,766). */
  | 'bound-parameters'
  /** A table has too many columns (D1: 100; SQLite: 2,000). */
  | 'columns'
  /** One Worker invocation sent more queries than its plan allows (D1: 50 free, 1,000 paid). */
  | 'queries-per-invocation'

/**
 * A statement went past one of the engine's limits; it did nothing. Unlike a quota, the same
 * request fails again until it is written differently: the message says how.
 */
export class LimitExceededError extends StorageError {
  /** The limit that was hit. */
  readonly limit: StorageLimit

  /**
   * @param message - which limit, and how to stay within it
   * @param options - adapter, cause and the limit
   */
  constructor(message: string, options: StorageErrorOptions & { limit: StorageLimit }) {
    super('LIMIT_EXCEEDED', message, options)
    this.name = 'LimitExceededError'
    this.limit = options.limit
  }
}

/** The adapter cannot do this at all (for example an interactive transaction on D1). */
export class UnsupportedOperationError extends StorageError {
  /**
   * @param message - what is unsupported and what to use instead
   * @param options - adapter and cause
   */
  constructor(message: string, options: StorageErrorOptions) {
    super('UNSUPPORTED_OPERATION', message, options)
    this.name = 'UnsupportedOperationError'
  }
}

/** Why one candidate adapter was not used by `createStorage`. */
export interface SkippedAdapter {
  /** The adapter's name. */
  adapter: string
  /** Why it was skipped or failed to open. */
  reason: string
}

/** No adapter could be opened: `createStorage` got none, or every candidate was unavailable. */
export class StorageUnavailableError extends StorageError {
  /** Every adapter tried, with the reason it was not used. */
  readonly skipped: readonly SkippedAdapter[]

  /**
   * @param message - what was attempted
   * @param options - adapter, cause and the candidates skipped
   */
  constructor(message: string, options: StorageErrorOptions & { skipped?: readonly SkippedAdapter[] }) {
    super('STORAGE_UNAVAILABLE', message, options)
    this.name = 'StorageUnavailableError'
    this.skipped = Object.freeze([...(options.skipped ?? [])])
  }
}

/** A migration failed; nothing of it was applied. */
export class MigrationError extends StorageError {
  /** The name of the migration that failed, when one did. */
  readonly migration: string | undefined

  /**
   * @param message - what failed
   * @param options - adapter, cause and the migration's name
   */
  constructor(message: string, options: StorageErrorOptions & { migration?: string }) {
    super('MIGRATION_FAILED', message, options)
    this.name = 'MigrationError'
    this.migration = options.migration
  }
}

function describeConstraint(kind: string, options: ConstraintErrorOptions): string {
  const columns = options.columns?.length ? `${options.table ?? '?'}.(${options.columns.join(', ')})` : options.table
  const where = options.constraint ?? columns
  return where ? `${kind} constraint failed on ${where}` : `${kind} constraint failed`
}
