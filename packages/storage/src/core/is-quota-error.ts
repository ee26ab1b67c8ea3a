/** `DOMException.QUOTA_EXCEEDED_ERR`, the legacy code of `QuotaExceededError` in older engines. */
const LEGACY_QUOTA_EXCEEDED_CODE = 22
/** The code of Firefox's older `NS_ERROR_DOM_QUOTA_REACHED`. */
const FIREFOX_QUOTA_REACHED_CODE = 1014
/** SQLite's and browsers' wording of "full", for errors that carry only a message. */
const QUOTA_MESSAGE = /\bSQLITE_FULL\b|database or disk is full|QuotaExceededError/

/**
 * Whether `error` says the storage is full: a browser's `QuotaExceededError` (with Firefox's older
 * name and the legacy codes), or SQLite's `SQLITE_FULL`, by name, code or message.
 *
 * @param error - what the engine or the browser threw
 */
export function isQuotaError(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown }
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    code === LEGACY_QUOTA_EXCEEDED_CODE ||
    code === FIREFOX_QUOTA_REACHED_CODE ||
    code === 'SQLITE_FULL' ||
    QUOTA_MESSAGE.test(error instanceof Error ? error.message : String(error))
  )
}
