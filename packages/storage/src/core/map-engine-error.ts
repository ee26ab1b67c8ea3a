import {
  CheckConstraintError,
  type ConstraintErrorOptions,
  ForeignKeyConstraintError,
  LimitExceededError,
  NotNullConstraintError,
  StorageError,
  type StorageLimit,
  StorageQuotaError,
  UniqueConstraintError,
} from './errors.js'
import { corruptStorageError, reportsBusy, reportsCorruption } from './engine-reports.js'
import { isQuotaError } from './is-quota-error.js'

/**
 * The one place where engine errors become typed {@link StorageError}s, shared by every adapter.
 * better-sqlite3 (`UNIQUE constraint failed: items.sku`), D1 (`D1_ERROR: UNIQUE constraint failed:
 * items.sku: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`) and WASM SQLite
 * (`SQLITE_CONSTRAINT_UNIQUE: sqlite3 result code 2067: UNIQUE constraint failed: items.sku`) all
 * carry SQLite's own sentence; it is parsed once here.
 */
export function mapEngineError(error: unknown, adapter: string): StorageError {
  if (error instanceof StorageError) return error
  const message = messageOf(error)
  const constraint = CONSTRAINT_FAILURE.exec(message)
  if (constraint) return constraintError(constraint[1] as ConstraintKind, constraint[2]?.trim(), adapter, error)
  if (reportsCorruption(error)) return corruptStorageError(adapter, message, error)
  if (reportsBusy(error)) {
    return new StorageError('STORAGE_BUSY', `another connection holds the database locked (${message})`, {
      adapter,
      cause: error,
    })
  }
  if (isQuotaError(error)) {
    return new StorageQuotaError(`storage is full; the write was rolled back (${message})`, { adapter, cause: error })
  }
  const limit = ENGINE_LIMITS.find(({ pattern }) => pattern.test(message))
  if (limit) {
    return new LimitExceededError(`${limit.advice} (${message})`, { adapter, cause: error, limit: limit.limit })
  }
  return new StorageError('QUERY_FAILED', message, { adapter, cause: error })
}

// SQLite's own sentences for its limits (every engine), and the Workers runtime's for D1's
// per-invocation query cap.
const ENGINE_LIMITS: readonly { pattern: RegExp; limit: StorageLimit; advice: string }[] = [
  {
    pattern: /statement too long/i,
    limit: 'statement-length',
    advice: 'the SQL text of this statement is longer than the engine allows; bind values as parameters or split it',
  },
  {
    pattern: /string or blob too big|row too big/i,
    limit: 'value-size',
    advice:
      'a value or row is bigger than the engine allows; store large files elsewhere (R2, a file) and keep a key here',
  },
  {
    pattern: /too many SQL variables/i,
    limit: 'bound-parameters',
    advice: 'this statement binds more parameters than the engine allows; split it into smaller statements',
  },
  {
    pattern: /too many columns/i,
    limit: 'columns',
    advice: 'the table or result has more columns than the engine allows; split the table',
  },
  {
    pattern: /too many (?:API requests|subrequests) by single worker invocation/i,
    limit: 'queries-per-invocation',
    advice:
      'this Worker invocation sent more queries than its plan allows; do fewer per request, for example by sending related statements in one batch()',
  },
]

type ConstraintKind = 'UNIQUE' | 'NOT NULL' | 'FOREIGN KEY' | 'CHECK'

// The optional tail is the result code some engines append: `: SQLITE_CONSTRAINT`, and on D1 also
// the extended code, `: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`.
const CONSTRAINT_FAILURE =
  /(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed(?::[ \t]*(?![ \t]|SQLITE_)([^\n]*?))?(?::[ \t]*SQLITE_[A-Z_]+(?:[ \t]*\(extended:[ \t]*SQLITE_[A-Z_]+\))?)?[ \t]*$/m

function constraintError(kind: ConstraintKind, detail: string | undefined, adapter: string, cause: unknown) {
  const options: ConstraintErrorOptions = { adapter, cause }
  if (kind === 'CHECK') {
    options.constraint = detail || undefined
  } else if (detail) {
    const qualified = detail.split(/,\s*/).map((name) => name.split('.'))
    options.table = qualified[0]?.length === 2 ? qualified[0][0] : undefined
    options.columns = qualified.map((parts) => parts[parts.length - 1] ?? '')
  }
  switch (kind) {
    case 'UNIQUE':
      return new UniqueConstraintError(options)
    case 'NOT NULL':
      return new NotNullConstraintError(options)
    case 'FOREIGN KEY':
      return new ForeignKeyConstraintError(options)
    case 'CHECK':
      return new CheckConstraintError(options)
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
