import { describe, expect, it } from 'vitest'
import { isQuotaError } from '../../src/core/is-quota-error.js'

describe('isQuotaError', () => {
  it("recognises every browser's storage-full error, by name or legacy code", () => {
    expect(isQuotaError(new DOMException('the quota has been exceeded', 'QuotaExceededError'))).toBe(true)
    expect(isQuotaError(Object.assign(new Error('full'), { name: 'NS_ERROR_DOM_QUOTA_REACHED' }))).toBe(true)
    expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true)
    expect(isQuotaError({ name: 'Error', code: 1014 })).toBe(true)
  })

  it("recognises SQLite's full disk by code or message", () => {
    expect(isQuotaError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true)
    expect(isQuotaError(new Error('SQLITE_FULL: sqlite3 result code 13: database or disk is full'))).toBe(true)
    expect(isQuotaError('database or disk is full')).toBe(true)
  })

  it('refuses everything else', () => {
    expect(isQuotaError(new DOMException('aborted', 'AbortError'))).toBe(false)
    expect(isQuotaError(new Error('near "selec": syntax error'))).toBe(false)
    expect(isQuotaError({ code: 23 })).toBe(false)
    expect(isQuotaError(null)).toBe(false)
    expect(isQuotaError(undefined)).toBe(false)
  })
})
