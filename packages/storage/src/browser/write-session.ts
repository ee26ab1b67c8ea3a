import type { MemoryFile } from './memory-file.js'
import { isVersionConflict } from './page-store-errors.js'
import type { PageSync } from './page-sync.js'
import type { ChangeChannel, CommitAnnouncement, WebLockManager } from './tab-coordination.js'

/** Options of {@link WriteSession}. */
export interface WriteSessionOptions {
  /** The file and its store. */
  readonly pages: PageSync
  /** The lock manager every tab of the database shares. */
  readonly locks: WebLockManager
  /** The name of the database's writers' lock. */
  readonly lockName: string
  /** Where commits are announced to other tabs, if anywhere. */
  readonly channel: ChangeChannel | undefined
}

/**
 * Between writes, or inside one: holding the writers' lock, gathering the tables written, and
 * knowing whether the file was brought up to the store's latest commit after the lock was taken.
 */
type SessionState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'writing'
      readonly releaseLock: () => void
      readonly tables: Set<string>
      caughtUp: boolean
    }

/** How {@link WriteSession.finish} ended. */
export type FinishOutcome =
  /** The changes are stored (or there were none); the lock is released. */
  | 'stored'
  /**
   * Another tab had committed since the file was loaded, so nothing was stored: the file now holds
   * that tab's commit instead of this write, and the lock is still held for the write to run again.
   */
  | 'stale'

const IDLE: SessionState = { kind: 'idle' }

/**
 * The write side of one tab. A write (one statement, or a whole transaction from its `begin`)
 * takes the database's Web Lock, catches up with the pages other tabs committed, and once the
 * connection is back in autocommit mode stores the pages it changed in one store commit, announces
 * `{ version, tables }` to the other tabs and releases the lock. If storing fails, the file's pages
 * go back to the last stored state, so memory and store agree again.
 *
 * A write that can simply run again (one data-changing statement) may skip the catch-up, which
 * costs a store read on every write: the store's commit checks the version anyway, so a write made
 * on a stale file is refused whole, and {@link WriteSession.finish} then catches up and answers
 * `'stale'` for the statement to run again, still under the lock.
 */
export class WriteSession {
  readonly #pages: PageSync
  readonly #locks: WebLockManager
  readonly #lockName: string
  readonly #channel: ChangeChannel | undefined
  #state: SessionState = IDLE

  constructor(options: WriteSessionOptions) {
    this.#pages = options.pages
    this.#locks = options.locks
    this.#lockName = options.lockName
    this.#channel = options.channel
  }

  /** Whether a write holds the lock and its changes are not stored yet. */
  get writing(): boolean {
    return this.#state.kind === 'writing'
  }

  get version(): number {
    return this.#pages.version
  }

  /** The database file the session stores. */
  get file(): MemoryFile {
    return this.#pages.file
  }

  /**
   * Takes the writers' lock and catches up with other tabs, unless told not to.
   *
   * @param options - `catchUp: false` for a write that can run again when {@link WriteSession.finish}
   *   finds it stale; ignored where the store cannot tell (see `PageStore.seesEveryCommit`)
   */
  async begin(options: { catchUp?: boolean } = {}): Promise<void> {
    const catchUp = options.catchUp !== false || !this.#pages.storeSeesEveryCommit
    const releaseLock = await holdLock(this.#locks, this.#lockName)
    try {
      if (catchUp) await this.#pages.catchUp()
    } catch (error) {
      releaseLock()
      throw error
    }
    this.#state = { kind: 'writing', releaseLock, tables: new Set(), caughtUp: catchUp }
  }

  /**
   * Inside a write begun without catching up: catches up now, still under the lock. Resolves to
   * whether another tab's commit was loaded, in which case what the write did so far was done on
   * an old state and must be undone and run again.
   */
  async catchUpWithinWrite(): Promise<boolean> {
    const state = this.#state
    if (state.kind !== 'writing' || state.caughtUp) return false
    const before = this.#pages.version
    await this.#pages.catchUp()
    state.caughtUp = true
    return this.#pages.version !== before
  }

  noteWritten(tables: Iterable<string>): void {
    if (this.#state.kind !== 'writing') return
    for (const table of tables) this.#state.tables.add(table)
  }

  /**
   * Stores the write's changes and releases the lock; see {@link FinishOutcome} for a write begun
   * without catching up that turns out to be based on an old state.
   */
  async finish(): Promise<FinishOutcome> {
    const state = this.#state
    if (state.kind !== 'writing') return 'stored'
    const tables = [...state.tables]
    let stale = false
    try {
      const version = await this.#pages.storeChanges(tables).catch(async (error: unknown) => {
        // storeChanges has put the file back to the stored state it knew; load what came after.
        if (state.caughtUp || !isVersionConflict(error) || !(await this.catchUpWithinWrite())) throw error
        stale = true
        return undefined
      })
      if (version !== undefined) this.#channel?.postMessage({ version, tables } satisfies CommitAnnouncement)
    } finally {
      if (!stale) {
        this.#state = IDLE
        state.releaseLock()
      }
    }
    return stale ? 'stale' : 'stored'
  }

  /** Catches up outside a write: under the lock, so the pages read are one consistent state. */
  catchUp(): Promise<void> {
    return this.#locks.request(this.#lockName, { mode: 'exclusive' }, () => this.#pages.catchUp())
  }
}

/** Resolves once `name` is held, with the function that releases it. */
function holdLock(locks: WebLockManager, name: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { mode: 'exclusive' }, () => new Promise<void>((release) => resolve(() => release())))
      .catch(reject)
  })
}
