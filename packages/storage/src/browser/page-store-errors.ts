/**
 * The errors page stores and the browser runtime raise, worded once: a damaged store, a commit
 * that found the store moved on, and a commit the storage refused.
 *
 * @module
 */
import { corruptStorageError, reportsCorruption } from '../core/engine-reports.js'
import { isQuotaError } from '../core/is-quota-error.js'
import { StorageError, StorageQuotaError } from '../core/errors.js'

export { corruptStorageError }

/**
 * `error` as {@link corruptStorageError} when SQLite reported a damaged file, otherwise unchanged.
 *
 * @param adapter - the adapter's name
 * @param error - what SQLite threw
 */
export function asCorruptStorageError(adapter: string, error: unknown): unknown {
  if (!reportsCorruption(error)) return error
  return corruptStorageError(adapter, error instanceof Error ? error.message : String(error), error)
}

/**
 * A commit found the store at another version than the one it builds on: some writer did not
 * hold the lock. Nothing of the commit is stored.
 *
 * @param adapter - the adapter's name
 * @param baseVersion - the version the commit built on
 * @param storedVersion - the version the store was at
 * @param cause - the store's own error, if any
 */
export function versionConflictError(
  adapter: string,
  baseVersion: number,
  storedVersion: number,
  cause?: unknown,
): StorageError {
  const error = new StorageError(
    'QUERY_FAILED',
    `the database moved from version ${baseVersion} to ${storedVersion} during the write (a writer did not hold the lock); the write was rolled back`,
    { adapter, cause },
  )
  versionConflicts.add(error)
  return error
}

/** The errors {@link versionConflictError} made, so that a writer can tell them from other failures. */
const versionConflicts = new WeakSet<object>()

/**
 * Whether `error` is a {@link versionConflictError}: the store had moved on and nothing was stored.
 *
 * @param error - what a commit rejected with
 */
export function isVersionConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && versionConflicts.has(error)
}

/**
 * What a commit the storage refused rejects with: `StorageQuotaError` when the storage is full,
 * otherwise `QUERY_FAILED` naming the step that failed and the error's name.
 *
 * @param adapter - the adapter's name
 * @param error - what the storage threw
 * @param storage - the storage as messages name it (`IndexedDB`, `localStorage`)
 * @param step - what failed, e.g. `the IndexedDB transaction`
 */
export function commitFailedError(adapter: string, error: unknown, storage: string, step: string): StorageError {
  if (isQuotaError(error)) {
    return new StorageQuotaError(`${storage} is full; the write was rolled back`, { adapter, cause: error })
  }
  const name = (error as { name?: string } | null)?.name ?? 'Error'
  return new StorageError('QUERY_FAILED', `${step} failed (${name}); the write was rolled back`, {
    adapter,
    cause: error,
  })
}
