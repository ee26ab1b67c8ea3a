import type { DatabaseConnection } from 'kysely'
import { ConnectionMutex } from '../core/connection-mutex.js'
import { SqliteCommandDriver } from '../core/sqlite-command-driver.js'
import { BrowserConnection } from './browser-connection.js'
import { InPageLockManager } from './in-page-lock-manager.js'
import type { PageStore } from './page-store.js'
import { PageSync } from './page-sync.js'
import { RemoteCommitFollower } from './remote-commit-follower.js'
import {
  browserChangeChannel,
  browserLockManager,
  type ChangeChannel,
  type WebLockManager,
} from './tab-coordination.js'
import { WasmConnection } from './wasm-connection.js'
import { loadWasmSqlite, type WasmLocation } from './wasm-sqlite.js'
import { WriteSession } from './write-session.js'

/** Options of {@link BrowserDriver}. */
export interface BrowserDriverOptions extends WasmLocation {
  /** The adapter's name, for errors. */
  readonly adapter: string
  /** Names the Web Lock and the channel every tab of this database shares. */
  readonly name: string
  /** Where the pages live. */
  readonly store: PageStore
  /** Page size of a new database (default 4096); an existing one keeps its own. */
  readonly pageSize?: number | undefined
  /** Lock manager for writers (default `navigator.locks`, or a lock within this page where it is missing). */
  readonly locks?: WebLockManager | undefined
  /** Opens the channel commits are announced on (default a `BroadcastChannel` of the given name). */
  readonly createChannel?: ((name: string) => ChangeChannel | undefined) | undefined
}

/** Bytes per page of a new database unless told otherwise. */
const DEFAULT_PAGE_SIZE = 4096

/** The writers' lock where the runtime has no `navigator.locks`: safe within this page only. */
const inPageLocks = new InPageLockManager()

/**
 * The Kysely driver of the browser adapters: SQLite (WASM) on a memory file whose pages a
 * {@link PageStore} keeps, safe across tabs. `init` loads WASM SQLite and the stored pages and
 * opens the {@link WasmConnection}; writes go through a {@link WriteSession}; a
 * {@link RemoteCommitFollower} keeps the tab current with other tabs' commits. One connection,
 * used by one query or transaction at a time. Kysely's SQLite query compiler, adapter and
 * introspector are used with it unchanged.
 */
export class BrowserDriver extends SqliteCommandDriver {
  readonly #options: BrowserDriverOptions
  readonly #mutex = new ConnectionMutex()
  readonly #follower = new RemoteCommitFollower()
  #connection: BrowserConnection | undefined
  #closed = false

  constructor(options: BrowserDriverOptions) {
    super()
    this.#options = options
  }

  async init(): Promise<void> {
    const { adapter, name, store } = this.#options
    const sqlite = await loadWasmSqlite(this.#options, adapter)
    const pages = await PageSync.open(store, { adapter, newPageSize: this.#options.pageSize ?? DEFAULT_PAGE_SIZE })
    const database = WasmConnection.open(sqlite, pages.file, { adapter, name })
    const channelName = `@inventory/storage:${adapter}:${name}`
    const channel = (this.#options.createChannel ?? browserChangeChannel)(channelName)
    const session = new WriteSession({
      pages,
      locks: this.#options.locks ?? browserLockManager() ?? inPageLocks,
      lockName: channelName,
      channel,
    })
    this.#connection = new BrowserConnection(database, session, adapter)
    this.#follower.follow({ channel, mutex: this.#mutex, session })
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.#mutex.lockFor(this.#connection as BrowserConnection)
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A commit that failed to store has already put everything back; Kysely still rolls back.
    if (!(this.#connection as BrowserConnection).inTransaction) return
    await super.rollbackTransaction(connection)
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }

  /** Calls `listener` with the tables of each commit another tab announces, once this tab has it. */
  onRemoteChange(listener: (tables: readonly string[]) => void): () => void {
    return this.#follower.onRemoteChange(listener)
  }

  async destroy(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#follower.close()
    this.#connection?.close()
    await this.#options.store.close()
  }
}
