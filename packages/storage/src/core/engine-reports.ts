import { StorageError } from './errors.js'

/*
 * How SQLite reports, in each engine's wording, a damaged database file and a database another
 * connection holds locked.
 */

/**
 * SQLite's words for a database file it cannot read as one, as better-sqlite3 (`file is not a
 * database`, code `SQLITE_NOTADB`), D1 (`D1_ERROR: database disk image is malformed:
 * SQLITE_CORRUPT`) and WASM SQLite (`SQLITE_CORRUPT: sqlite3 result code 11: ...`) report it.
 */
const SQLITE_CORRUPTION = /SQLITE_(?:CORRUPT|NOTADB)|database disk image is malformed|file is not a database/

/**
 * The stored database is damaged (`CORRUPT_STORAGE`): never answered from, never written over.
 *
 * @param adapter - the adapter's name
 * @param detail - what is wrong, e.g. `page 3 of 9 is missing`
 * @param cause - the error that revealed it, if any
 */
export function corruptStorageError(adapter: string, detail: string, cause?: unknown): StorageError {
  return new StorageError('CORRUPT_STORAGE', `the stored database is damaged: ${detail}`, { adapter, cause })
}

/**
 * Whether SQLite reported a damaged database file.
 *
 * @param error - what the engine threw
 */
export function reportsCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && SQLITE_CORRUPTION.test(code)) return true
  return SQLITE_CORRUPTION.test(error instanceof Error ? error.message : String(error))
}

/** SQLite's words for a database another connection holds locked. */
const SQLITE_BUSY = /SQLITE_BUSY|database is locked/

/**
 * Whether SQLite answered that another connection holds the database locked.
 *
 * @param error - what the engine threw
 */
export function reportsBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return SQLITE_BUSY.test(code)
  return SQLITE_BUSY.test(error instanceof Error ? error.message : String(error))
}
