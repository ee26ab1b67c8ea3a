import { describe, expect, it } from 'vitest'
import {
  asCorruptStorageError,
  commitFailedError,
  corruptStorageError,
  versionConflictError,
} from '../../src/browser/page-store-errors.js'
import { StorageError, StorageQuotaError } from '../../src/index.js'

describe('page-store errors', () => {
  it('names a damaged store CORRUPT_STORAGE, and recognises SQLite reporting one', () => {
    const error = corruptStorageError('indexeddb', 'page 3 of 9 is missing')
    expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'indexeddb' })
    expect(error.message).toBe(
      '[@inventory/storage] [indexeddb] the stored database is damaged: page 3 of 9 is missing',
    )
    const sqlite = new Error('SQLITE_CORRUPT: sqlite3 result code 11: database disk image is malformed')
    expect(asCorruptStorageError('indexeddb', sqlite)).toMatchObject({ code: 'CORRUPT_STORAGE', cause: sqlite })
    const other = new Error('no such table: items')
    expect(asCorruptStorageError('indexeddb', other)).toBe(other)
  })

  it('says which versions a conflicting commit found', () => {
    const error = versionConflictError('local-storage', 4, 6)
    expect(error).toMatchObject({ code: 'QUERY_FAILED', adapter: 'local-storage' })
    expect(error.message).toContain('moved from version 4 to 6 during the write')
  })

  it('reports a full storage as StorageQuotaError and any other refusal by its name', () => {
    const full = commitFailedError('indexeddb', new DOMException('full', 'QuotaExceededError'), 'IndexedDB', 'x')
    expect(full).toBeInstanceOf(StorageQuotaError)
    expect(full.message).toBe('[@inventory/storage] [indexeddb] IndexedDB is full; the write was rolled back')
    const aborted = new DOMException('aborted', 'AbortError')
    const failed = commitFailedError('indexeddb', aborted, 'IndexedDB', 'the IndexedDB transaction')
    expect(failed).toBeInstanceOf(StorageError)
    expect(failed).not.toBeInstanceOf(StorageQuotaError)
    expect(failed).toMatchObject({ code: 'QUERY_FAILED', cause: aborted })
    expect(failed.message).toContain('the IndexedDB transaction failed (AbortError); the write was rolled back')
  })
})
