import type { ConnectionMutex } from '../core/connection-mutex.js'
import { type ChangeChannel, parseAnnouncement } from './tab-coordination.js'
import type { WriteSession } from './write-session.js'

/** What {@link RemoteCommitFollower.follow} needs to catch up. */
export interface FollowedDatabase {
  /** The channel other tabs announce their commits on, if any. */
  readonly channel: ChangeChannel | undefined
  /** Exclusive use of the connection: catching up replaces pages under no running query. */
  readonly mutex: ConnectionMutex
  /** This tab's write side, which knows its version and catches up under the writers' lock. */
  readonly session: WriteSession
}

/**
 * Follows other tabs' commit announcements: for each one newer than what this tab holds, it takes
 * the connection, catches up with the pages committed since, and then tells its listeners which
 * tables the other tab wrote. Listeners may subscribe before the database is open.
 */
export class RemoteCommitFollower {
  readonly #listeners = new Set<(tables: readonly string[]) => void>()
  #followed: FollowedDatabase | undefined
  /** The store version the tab opened with: every commit up to it was in the tab's first read. */
  #openedVersion = 0
  #closed = false

  /** Calls `listener` with the tables of each commit another tab announces, once caught up. */
  onRemoteChange(listener: (tables: readonly string[]) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Starts listening on the database's channel, which `close()` closes. */
  follow(database: FollowedDatabase): void {
    this.#followed = database
    this.#openedVersion = database.session.version
    database.channel?.addEventListener('message', this.#onMessage)
  }

  /** Stops listening, closes the channel, forgets the listeners; announcements under way are ignored. */
  close(): void {
    this.#closed = true
    this.#followed?.channel?.removeEventListener('message', this.#onMessage)
    this.#followed?.channel?.close()
    this.#listeners.clear()
  }

  readonly #onMessage = (event: { data: unknown }): void => {
    const announcement = parseAnnouncement(event.data)
    // An announcement can arrive after the tab opened with its commit: browsers queue localStorage's
    // storage events as tasks, and deliver them to a frame that did not exist at the write. Reporting
    // it would tell listeners of a change they cannot see, and before the commit they wait for.
    if (announcement && announcement.version > this.#openedVersion)
      void this.#catchUpWith(announcement.version, announcement.tables)
  }

  async #catchUpWith(version: number, tables: readonly string[]): Promise<void> {
    const { mutex, session } = this.#followed as FollowedDatabase
    await mutex.lock()
    try {
      if (this.#closed) return
      if (version > session.version) await session.catchUp()
    } catch {
      // Nothing to report to here; the next write catches up again under the lock and rejects
      // with the store's error.
      return
    } finally {
      mutex.unlock()
    }
    for (const listener of [...this.#listeners]) listener(tables)
  }
}
