import {
  CheckConstraintError,
  type ConstraintErrorOptions,
  ForeignKeyConstraintError,
  NotNullConstraintError,
  StorageError,
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
  return new StorageError('QUERY_FAILED', message, { adapter, cause: error })
}

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
