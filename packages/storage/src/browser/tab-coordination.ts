/**
 * The two browser facilities tabs coordinate through, typed by the part the engine uses so tests
 * (and other runtimes) can pass their own: a lock manager shaped like `navigator.locks` and a
 * channel shaped like `BroadcastChannel`.
 *
 * @module
 */

/** The part of the Web Locks API (`navigator.locks`) the engine uses. */
export interface WebLockManager {
  /**
   * Runs `callback` while holding the exclusive lock `name`, released when its promise settles.
   *
   * @param name - the lock's name
   * @param options - always `{ mode: 'exclusive' }` here
   * @param callback - the work to do under the lock
   */
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>
}

/** The part of `BroadcastChannel` the engine uses. */
export interface ChangeChannel {
  /**
   * Sends a message to every other channel of the same name.
   *
   * @param message - what to send
   */
  postMessage(message: unknown): void
  /**
   * Listens for messages from other channels of the same name.
   *
   * @param type - always `'message'`
   * @param listener - receives what other channels of the same name post
   */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  /**
   * Stops listening.
   *
   * @param type - always `'message'`
   * @param listener - a listener given to `addEventListener`
   */
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  /** Stops receiving and sending. */
  close(): void
}

/** What a writer announces after each commit. */
export interface CommitAnnouncement {
  /** The store version the commit produced. */
  readonly version: number
  /** The tables it wrote. */
  readonly tables: readonly string[]
}

/** `navigator.locks` where the browser has it (every current browser), otherwise undefined. */
export function browserLockManager(): (WebLockManager & Partial<Pick<LockManager, 'query'>>) | undefined {
  return (globalThis as { navigator?: { locks?: WebLockManager & Partial<Pick<LockManager, 'query'>> } }).navigator
    ?.locks
}

/**
 * A `BroadcastChannel` where the runtime has one, otherwise undefined.
 *
 * @param name - the channel name; every tab of the same database uses the same one
 */
export function browserChangeChannel(name: string): ChangeChannel | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChangeChannel }).BroadcastChannel
  return Channel ? new Channel(name) : undefined
}

/**
 * Reads a message from another tab, or undefined when it is not a commit announcement.
 *
 * @param data - the received message
 */
export function parseAnnouncement(data: unknown): CommitAnnouncement | undefined {
  const candidate = data as Partial<CommitAnnouncement> | null
  if (typeof candidate?.version !== 'number' || !Array.isArray(candidate.tables)) return undefined
  return { version: candidate.version, tables: candidate.tables.filter((table) => typeof table === 'string') }
}
