import type { PageChanges, PageCommit, PageStore, StoredDatabase } from '../../browser/page-store.js'
import { commitFailedError, corruptStorageError, versionConflictError } from '../../browser/page-store-errors.js'
import { StorageError } from '../../core/errors.js'
import { isQuotaError } from '../../core/is-quota-error.js'
import { decodePage, encodePage } from './page-codec.js'

/** Options of {@link LocalStoragePageStore}. */
export interface LocalStoragePageStoreOptions {
  /** The `Storage` holding the pages (`localStorage`, `sessionStorage` or a test's own). */
  storage: Storage
  /** Every key of this database starts with it; nothing else is read or written. */
  keyPrefix: string
  /** The adapter's name, for errors. */
  adapter: string
  /** Web Locks with `query()` (`navigator.locks`), to learn the newest commit of any tab; optional. */
  versionLocks?: VersionLocks | undefined
}

/**
 * The part of `navigator.locks` that tells tabs the newest version: each tab holds a shared lock
 * named after its last commit, and a writer asks which ones are held.
 */
export interface VersionLocks {
  /**
   * @param name - the lock's name
   * @param options - always `{ mode: 'shared' }` here
   * @param callback - holds the lock until its promise settles
   */
  request(name: string, options: { mode: 'shared' }, callback: () => Promise<void>): Promise<void>
  /** The locks held and requested in this origin. */
  query(): Promise<{ held?: readonly { name?: string }[] }>
}

/**
 * The meta record, the one key a commit switches atomically. `slots` says, per page, which of its
 * two keys holds the current content; `tables` names what the last commit wrote, so the `storage`
 * event of this key tells other tabs what changed.
 */
export interface LocalStorageMeta {
  readonly pageSize: number
  readonly pageCount: number
  readonly version: number
  /** One hex digit per 4 pages, bit `(n - 1) % 4` of digit `(n - 1) / 4` for page n. */
  readonly slots: string
  readonly tables: readonly string[]
}

/**
 * Characters kept free for commits that shrink the database: when the storage is full, a commit
 * still needs room for the new content of its pages before the old is removed, so a delete could
 * otherwise never be stored. 32 Ki characters hold the changed branch pages of a large delete.
 */
const RESERVE_CHARACTERS = 32_768
/** How long a writer waits for another tab's newest commit to reach this tab's copy of the storage. */
const NEWEST_COMMIT_WAIT_MS = 2000
/** How many times `open` rereads when another tab replaced a page between reading meta and pages. */
const OPEN_ATTEMPTS = 3

/**
 * A {@link PageStore} in a `Storage` (localStorage), atomic without multi-key transactions:
 *
 * - Each page has two keys, `<prefix><n>.0` and `<prefix><n>.1`; the meta record says which one is
 *   current. A page's value is `<version that wrote it>:<encoded page>` (see `page-codec.ts`).
 * - A commit writes the new content of each changed page into the page's other key, leaving the
 *   current content untouched, then writes the meta record with the flipped slots in ONE
 *   `setItem`: that write is the commit. Only then are the replaced keys removed.
 * - If any write fails (`QuotaExceededError`), the keys written so far are removed and the stored
 *   database is exactly what it was. A page closed midway leaves unreferenced keys behind, which the
 *   next commit (under the writers' lock) removes.
 * - A commit needs room for the new content of the pages it changes until the replaced keys are
 *   removed. A reserve key keeps that room for commits that shrink the database, so deletes are
 *   stored (and space comes back) even when the quota is reached; it is refilled when there is room.
 */
export class LocalStoragePageStore implements PageStore {
  readonly #options: LocalStoragePageStoreOptions
  #swept = false
  #releaseVersionLock: (() => void) | undefined

  /** @param options - the storage, the key prefix and the adapter's name */
  constructor(options: LocalStoragePageStoreOptions) {
    this.#options = options
  }

  /** The key of the meta record. */
  get metaKey(): string {
    return `${this.#options.keyPrefix}meta`
  }

  async open(): Promise<StoredDatabase> {
    for (let attempt = 1; ; attempt++) {
      const meta = this.#readMeta()
      if (!meta) return { pageSize: 0, pageCount: 0, version: 0, pages: new Map() }
      const pages = this.#readPages(meta, 0)
      if (pages) return { pageSize: meta.pageSize, pageCount: meta.pageCount, version: meta.version, pages }
      // A writer in another process may have committed between the two reads: read again.
      if (attempt === OPEN_ATTEMPTS) throw this.#corrupt('a page the meta record names is missing')
    }
  }

  async changesSince(version: number): Promise<PageChanges> {
    await this.#awaitNewestCommit()
    const meta = this.#readMeta()
    if (!meta) {
      if (version === 0) return { version: 0, pageCount: 0, pages: new Map() }
      throw this.#corrupt('the meta record is missing')
    }
    if (meta.version === version) return { version, pageCount: meta.pageCount, pages: new Map() }
    const pages = this.#readPages(meta, version)
    if (!pages) throw this.#corrupt('a page the meta record names is missing')
    return { version: meta.version, pageCount: meta.pageCount, pages }
  }

  async commit(commit: PageCommit): Promise<number> {
    const { storage } = this.#options
    const stored = this.#readMeta()
    const storedVersion = stored?.version ?? 0
    if (storedVersion !== commit.baseVersion) {
      throw versionConflictError(this.#options.adapter, commit.baseVersion, storedVersion)
    }
    if (!this.#swept) {
      this.#sweep(stored)
      this.#swept = true
    }
    try {
      this.#write(commit, stored)
    } catch (error) {
      // Full: a commit that shrinks the database (a delete) may use the reserve kept for it.
      if (!isQuotaError(error) || !this.#shrinks(commit, stored) || storage.getItem(this.#reserveKey) === null) {
        throw this.#commitError(error)
      }
      storage.removeItem(this.#reserveKey)
      try {
        this.#write(commit, stored)
      } catch (retryError) {
        throw this.#commitError(retryError)
      }
    }
    this.#keepReserve()
    this.#announceVersion(commit.baseVersion + 1)
    return commit.baseVersion + 1
  }

  /**
   * Waits until this tab's copy of the storage holds the newest commit any tab made. Browsers copy
   * localStorage into each tab's process and pass changes on asynchronously, so a tab that takes the
   * writers' lock right after another released it may not have received that tab's commit yet.
   */
  async #awaitNewestCommit(): Promise<void> {
    const locks = this.#options.versionLocks
    if (!locks) return
    const { held = [] } = await locks.query()
    const prefix = `${this.#options.keyPrefix}committed:`
    let newest = 0
    for (const { name } of held)
      if (name?.startsWith(prefix)) newest = Math.max(newest, Number(name.slice(prefix.length)) || 0)
    const deadline = Date.now() + NEWEST_COMMIT_WAIT_MS
    while ((this.#readMeta()?.version ?? 0) < newest) {
      if (Date.now() > deadline) {
        throw new StorageError(
          'QUERY_FAILED',
          `version ${newest} of the database has not reached this tab; try again`,
          {
            adapter: this.#options.adapter,
          },
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }

  /** Holds a shared lock named after `version` (releasing the one of the previous commit). */
  #announceVersion(version: number): void {
    const locks = this.#options.versionLocks
    if (!locks) return
    this.#releaseVersionLock?.()
    void locks
      .request(
        `${this.#options.keyPrefix}committed:${version}`,
        { mode: 'shared' },
        () =>
          new Promise<void>((release) => {
            this.#releaseVersionLock = release
          }),
      )
      .catch(() => undefined)
  }

  /** Writes the commit's pages into their free slots, then the meta record; on failure removes what it wrote. */
  #write(commit: PageCommit, stored: LocalStorageMeta | undefined): void {
    const { storage } = this.#options
    const version = commit.baseVersion + 1
    const storedPageCount = stored?.pageCount ?? 0
    const slots = parseSlots(stored?.slots ?? '', commit.pageCount)
    const written: string[] = []
    const replaced: string[] = []
    try {
      for (const [page, data] of commit.pages) {
        const current = page <= storedPageCount ? slotOf(slots, page) : undefined
        const next = current === undefined ? 0 : 1 - current
        const key = this.#pageKey(page, next)
        storage.setItem(key, `${version}:${encodePage(data)}`)
        written.push(key)
        if (current !== undefined) replaced.push(this.#pageKey(page, current))
        setSlot(slots, page, next)
      }
      for (let page = commit.pageCount + 1; page <= storedPageCount; page++) {
        replaced.push(this.#pageKey(page, slotOf(parseSlots(stored?.slots ?? '', storedPageCount), page)))
      }
      const meta: LocalStorageMeta = {
        pageSize: commit.pageSize,
        pageCount: commit.pageCount,
        version,
        slots: formatSlots(slots, commit.pageCount),
        tables: commit.tables,
      }
      storage.setItem(this.metaKey, JSON.stringify(meta))
    } catch (error) {
      for (const key of written) storage.removeItem(key)
      throw error
    }
    for (const key of replaced) storage.removeItem(key)
  }

  /** Whether the commit's pages take fewer characters than the ones they replace. */
  #shrinks(commit: PageCommit, stored: LocalStorageMeta | undefined): boolean {
    if (!stored) return false
    const slots = parseSlots(stored.slots, stored.pageCount)
    let delta = 0
    for (const [page, data] of commit.pages) {
      const old =
        page <= stored.pageCount ? this.#options.storage.getItem(this.#pageKey(page, slotOf(slots, page))) : null
      delta += encodePage(data).length - (old?.length ?? 0)
    }
    for (let page = commit.pageCount + 1; page <= stored.pageCount; page++) {
      delta -= this.#options.storage.getItem(this.#pageKey(page, slotOf(slots, page)))?.length ?? 0
    }
    return delta < 0
  }

  /** Puts the reserve back where it is missing and there is room for it. */
  #keepReserve(): void {
    const { storage } = this.#options
    if (storage.getItem(this.#reserveKey) !== null) return
    try {
      storage.setItem(this.#reserveKey, ' '.repeat(RESERVE_CHARACTERS))
    } catch (error) {
      if (!isQuotaError(error)) throw error
    }
  }

  get #reserveKey(): string {
    return `${this.#options.keyPrefix}reserve`
  }

  async close(): Promise<void> {
    this.#releaseVersionLock?.()
    this.#releaseVersionLock = undefined
  }

  #pageKey(page: number, slot: number): string {
    return `${this.#options.keyPrefix}${page}.${slot}`
  }

  #readMeta(): LocalStorageMeta | undefined {
    const text = this.#options.storage.getItem(this.metaKey)
    if (text === null) return undefined
    let meta: Partial<LocalStorageMeta>
    try {
      meta = JSON.parse(text) as Partial<LocalStorageMeta>
    } catch {
      throw this.#corrupt('the meta record is not JSON')
    }
    const numbers = [meta.pageSize, meta.pageCount, meta.version]
    const valid =
      numbers.every((value) => Number.isSafeInteger(value) && (value as number) >= 0) &&
      meta.pageSize !== 0 &&
      typeof meta.slots === 'string' &&
      /^[0-9a-f]*$/.test(meta.slots) &&
      Array.isArray(meta.tables)
    if (!valid) throw this.#corrupt('the meta record is malformed')
    return meta as LocalStorageMeta
  }

  /** The pages written after `since`, decoded; undefined when one the meta record names is missing. */
  #readPages(meta: LocalStorageMeta, since: number): Map<number, Uint8Array> | undefined {
    const slots = parseSlots(meta.slots, meta.pageCount)
    const pages = new Map<number, Uint8Array>()
    for (let page = 1; page <= meta.pageCount; page++) {
      const value = this.#options.storage.getItem(this.#pageKey(page, slotOf(slots, page)))
      if (value === null) return undefined
      const separator = value.indexOf(':')
      const pageVersion = Number(value.slice(0, separator))
      if (separator < 1 || !Number.isSafeInteger(pageVersion)) throw this.#corrupt(`page ${page} has no version`)
      if (pageVersion > meta.version) {
        // Written by a commit whose meta record is not there (yet): the meta record read is stale.
        return undefined
      }
      if (pageVersion <= since) continue
      try {
        pages.set(page, decodePage(value.slice(separator + 1), meta.pageSize))
      } catch (error) {
        throw this.#corrupt(`page ${page} cannot be decoded: ${(error as Error).message}`)
      }
    }
    return pages
  }

  /** Removes page keys the meta record does not name: left by a page closed in the middle of a commit. */
  #sweep(meta: LocalStorageMeta | undefined): void {
    const slots = parseSlots(meta?.slots ?? '', meta?.pageCount ?? 0)
    const pageKey = /^(\d+)\.([01])$/
    for (const key of this.#ownKeys()) {
      const match = pageKey.exec(key.slice(this.#options.keyPrefix.length))
      if (!match) continue
      const page = Number(match[1])
      const live = meta !== undefined && page >= 1 && page <= meta.pageCount && slotOf(slots, page) === Number(match[2])
      if (!live) this.#options.storage.removeItem(key)
    }
  }

  #ownKeys(): string[] {
    const { storage, keyPrefix } = this.#options
    const keys: string[] = []
    for (let index = 0; index < storage.length; index++) {
      const key = storage.key(index)
      if (key?.startsWith(keyPrefix)) keys.push(key)
    }
    return keys
  }

  #commitError(error: unknown): StorageError {
    return commitFailedError(this.#options.adapter, error, 'localStorage', 'writing to localStorage')
  }

  #corrupt(detail: string): StorageError {
    return corruptStorageError(this.#options.adapter, detail)
  }
}

function parseSlots(hex: string, pageCount: number): Uint8Array {
  const slots = new Uint8Array(Math.ceil(pageCount / 4))
  for (let index = 0; index < slots.length && index < hex.length; index++)
    slots[index] = Number.parseInt(hex[index] as string, 16)
  return slots
}

function formatSlots(slots: Uint8Array, pageCount: number): string {
  let hex = ''
  for (let index = 0; index < Math.ceil(pageCount / 4); index++) hex += (slots[index] as number).toString(16)
  return hex
}

function slotOf(slots: Uint8Array, page: number): number {
  return ((slots[(page - 1) >> 2] as number) >> ((page - 1) & 3)) & 1
}

function setSlot(slots: Uint8Array, page: number, slot: number): void {
  const index = (page - 1) >> 2
  const bit = 1 << ((page - 1) & 3)
  slots[index] = slot ? (slots[index] as number) | bit : (slots[index] as number) & ~bit
}
