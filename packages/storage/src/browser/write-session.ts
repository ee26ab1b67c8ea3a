import type { MemoryFile } from './memory-file.js'
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

/** Between writes, or inside one: holding the writers' lock and gathering the tables written. */
type SessionState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'writing'; readonly releaseLock: () => void; readonly tables: Set<string> }

const IDLE: SessionState = { kind: 'idle' }

/**
 * The write side of one tab. A write (one statement, or a whole transaction from its `begin`)
 * takes the database's Web Lock, first catches up with the pages other tabs committed, and once
 * the connection is back in autocommit mode stores the pages it changed in one store commit,
 * announces `{ version, tables }` to the other tabs and releases the lock. If storing fails, the
 * file's pages go back to the last stored state, so memory and store agree again.
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

  /** Takes the writers' lock and catches up with other tabs. */
  async begin(): Promise<void> {
    const releaseLock = await holdLock(this.#locks, this.#lockName)
    try {
      await this.#pages.catchUp()
    } catch (error) {
      releaseLock()
      throw error
    }
    this.#state = { kind: 'writing', releaseLock, tables: new Set() }
  }

  noteWritten(tables: Iterable<string>): void {
    if (this.#state.kind !== 'writing') return
    for (const table of tables) this.#state.tables.add(table)
  }

  async finish(): Promise<void> {
    const state = this.#state
    if (state.kind !== 'writing') return
    this.#state = IDLE
    const tables = [...state.tables]
    try {
      const version = await this.#pages.storeChanges(tables)
      if (version !== undefined) this.#channel?.postMessage({ version, tables } satisfies CommitAnnouncement)
    } finally {
      state.releaseLock()
    }
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
