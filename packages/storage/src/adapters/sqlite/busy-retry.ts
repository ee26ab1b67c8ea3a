import { reportsBusy } from '../../core/engine-reports.js'
import { StorageError } from '../../core/errors.js'

/** The first pause after SQLite answers "database is locked", and the longest one. */
const FIRST_PAUSE_MS = 1
const LONGEST_PAUSE_MS = 50

/**
 * Runs `operation` (a synchronous better-sqlite3 call) until it is not refused with
 * `SQLITE_BUSY`, pausing between tries without blocking the event loop, for at most
 * `timeoutMs` in all. better-sqlite3's own busy timeout waits synchronously: a provider holding a
 * transaction across an `await` in the same process could then never finish it, and every timer
 * and request of the process would stall meanwhile. A statement refused with `SQLITE_BUSY` did
 * nothing, so running it again is safe.
 *
 * @param operation - the call to run
 * @param timeoutMs - how long to keep trying in all
 * @param adapter - the adapter's name, for the error
 * @throws StorageError with code `STORAGE_BUSY` once `timeoutMs` has passed
 */
export async function retryWhileBusy<T>(operation: () => T, timeoutMs: number, adapter: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let pause = FIRST_PAUSE_MS
  for (;;) {
    try {
      return operation()
    } catch (error) {
      if (!reportsBusy(error)) throw error
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new StorageError(
          'STORAGE_BUSY',
          `another connection held the database locked for longer than the busy timeout (${timeoutMs} ms); nothing of this statement was applied`,
          { adapter, cause: error },
        )
      }
      // Jitter keeps several waiting connections from trying again all at the same moment.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, pause * (0.5 + Math.random() / 2))))
      pause = Math.min(LONGEST_PAUSE_MS, pause * 2)
    }
  }
}
