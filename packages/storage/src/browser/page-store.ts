/**
 * Where the browser engine keeps its database pages. The engine runs SQLite in memory and hands a
 * store only whole pages: everything it needs at open, and at each commit just the pages that
 * commit changed. IndexedDB and localStorage implement the same interface, so they share the rest.
 *
 * Page numbers start at 1 (page 1 holds SQLite's header), as in SQLite.
 */
export interface PageStore {
  /** Loads the stored database; an empty store answers `{ pageCount: 0, version: 0 }`. */
  open(): Promise<StoredDatabase>
  /**
   * The pages committed after `version` (by this or any other tab), for catching up.
   *
   * @param version - the version the caller last loaded or committed
   */
  changesSince(version: number): Promise<PageChanges>
  /**
   * Stores one commit atomically: all its pages and the new page count, or nothing. Rejects with a
   * `StorageQuotaError` when storage is full and with a `StorageError` when the store moved past
   * `baseVersion` (a writer that did not hold the lock).
   *
   * @param commit - the changed pages and the version they are based on
   * @returns the new version
   */
  commit(commit: PageCommit): Promise<number>
  /** Releases the store's handles. */
  close(): Promise<void>
  /**
   * Whether {@link PageStore.commit} always sees every other tab's latest commit when it checks
   * `baseVersion`, as an IndexedDB transaction does (a process's copy of `localStorage` may lag
   * behind another's). Only then may a writer skip catching up before a write it can run again.
   * Default false.
   */
  readonly seesEveryCommit?: boolean
}

/** A database as loaded from its store. */
export interface StoredDatabase {
  /** Bytes per page; every page record has exactly this size. */
  readonly pageSize: number
  /** Number of pages; pages `1..pageCount` are all present. */
  readonly pageCount: number
  /** Increases by one with every commit; 0 for a store never written. */
  readonly version: number
  /** Every page by page number. */
  readonly pages: ReadonlyMap<number, Uint8Array>
}

/** What changed in a store after a given version. */
export interface PageChanges {
  /** The store's current version. */
  readonly version: number
  /** The current number of pages; pages past it were removed. */
  readonly pageCount: number
  /** The pages written after the given version, with their current content. */
  readonly pages: ReadonlyMap<number, Uint8Array>
}

/** One commit handed to {@link PageStore.commit}. */
export interface PageCommit {
  /** The version the commit builds on; the store must still be at it. */
  readonly baseVersion: number
  /** Bytes per page. */
  readonly pageSize: number
  /** Number of pages after the commit; stored pages past it are removed. */
  readonly pageCount: number
  /** The pages the commit changed, by page number. */
  readonly pages: ReadonlyMap<number, Uint8Array>
  /** The tables the commit wrote, for other tabs' change events. */
  readonly tables: readonly string[]
}
