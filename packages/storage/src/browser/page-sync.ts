import { MemoryFile } from './memory-file.js'
import type { PageStore, StoredDatabase } from './page-store.js'
import { corruptStorageError } from './page-store-errors.js'

/** Options of {@link PageSync.open}. */
export interface PageSyncOptions {
  /** The adapter's name, for errors. */
  readonly adapter: string
  /** Bytes per page of a new database; a stored one keeps its own. */
  readonly newPageSize: number
}

/** SQLite's file header, the first 16 bytes of page 1. */
const SQLITE_HEADER = 'SQLite format 3\0'

/**
 * Keeps a {@link MemoryFile} and its {@link PageStore} in step: loads the stored database into the
 * file at open, loads the pages committed since (by any tab) when catching up, and stores the pages
 * the file changed as one commit, putting the file back to the stored state when that fails. It
 * tracks the store version the file holds; callers decide when (and under which lock) to call it.
 */
export class PageSync {
  readonly file: MemoryFile
  readonly #store: PageStore
  readonly #adapter: string
  #version: number
  #storedPageCount: number

  private constructor(store: PageStore, adapter: string, file: MemoryFile, stored: StoredDatabase) {
    this.#store = store
    this.#adapter = adapter
    this.file = file
    this.#version = stored.version
    this.#storedPageCount = stored.pageCount
  }

  /** Opens the store and loads its database into a new file, refusing a damaged one. */
  static async open(store: PageStore, options: PageSyncOptions): Promise<PageSync> {
    const stored = await store.open()
    assertWhole(stored, options.adapter)
    const file = new MemoryFile(stored.pageCount > 0 ? stored.pageSize : options.newPageSize)
    file.load(stored.pages, stored.pageCount)
    return new PageSync(store, options.adapter, file, stored)
  }

  /** Whether the store's commits detect every conflict; see {@link PageStore.seesEveryCommit}. */
  get storeSeesEveryCommit(): boolean {
    return this.#store.seesEveryCommit === true
  }

  /** The store version the file holds. */
  get version(): number {
    return this.#version
  }

  /** Loads the pages committed since {@link PageSync.version}. Only between transactions. */
  async catchUp(): Promise<void> {
    const changes = await this.#store.changesSince(this.#version)
    if (changes.version === this.#version) return
    const { file } = this
    for (const [pageNumber, page] of changes.pages) {
      if (page.byteLength !== file.pageSize) {
        throw corruptStorageError(
          this.#adapter,
          `page ${pageNumber} has ${page.byteLength} bytes instead of ${file.pageSize}`,
        )
      }
    }
    file.load(changes.pages, changes.pageCount)
    this.#version = changes.version
    this.#storedPageCount = changes.pageCount
  }

  /** Stores the changed pages in one commit: the new version, or undefined when nothing changed. */
  async storeChanges(tables: readonly string[]): Promise<number | undefined> {
    const { file } = this
    if (!file.hasChanges) return undefined
    const { pageCount, pages } = file.changes()
    if (pages.size === 0 && pageCount === this.#storedPageCount) {
      file.acceptChanges()
      return undefined
    }
    try {
      this.#version = await this.#store.commit({
        baseVersion: this.#version,
        pageSize: file.pageSize,
        pageCount,
        pages,
        tables,
      })
    } catch (error) {
      file.revertChanges()
      throw error
    }
    file.acceptChanges()
    this.#storedPageCount = pageCount
    return this.#version
  }
}

/** Throws `CORRUPT_STORAGE` unless every page is there, of the right size, with SQLite's header first. */
function assertWhole(stored: StoredDatabase, adapter: string): void {
  if (stored.pageCount === 0) return
  for (let pageNumber = 1; pageNumber <= stored.pageCount; pageNumber++) {
    const page = stored.pages.get(pageNumber)
    if (!page) throw corruptStorageError(adapter, `page ${pageNumber} of ${stored.pageCount} is missing`)
    if (page.byteLength !== stored.pageSize) {
      throw corruptStorageError(
        adapter,
        `page ${pageNumber} has ${page.byteLength} bytes instead of ${stored.pageSize}`,
      )
    }
  }
  const header = new TextDecoder().decode((stored.pages.get(1) as Uint8Array).subarray(0, SQLITE_HEADER.length))
  if (header !== SQLITE_HEADER) throw corruptStorageError(adapter, 'page 1 does not start with the SQLite header')
}
