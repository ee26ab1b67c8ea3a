import type { PageChanges, PageCommit, PageStore, StoredDatabase } from '../../browser/page-store.js'
import { commitFailedError, corruptStorageError, versionConflictError } from '../../browser/page-store-errors.js'
import { StorageError, StorageQuotaError, StorageUnavailableError } from '../../core/errors.js'
import { isQuotaError } from '../../core/is-quota-error.js'

/** What IndexedDB answers where this runtime may not store data: blocked by policy, private mode. */
const UNAVAILABLE_ON_OPEN = new Set(['SecurityError', 'InvalidStateError'])

/** Options of {@link IndexedDbPageStore}. */
export interface IndexedDbPageStoreOptions {
  /** The IndexedDB database name. */
  name: string
  /** The IndexedDB factory to use (`globalThis.indexedDB` in a page). */
  indexedDB: IDBFactory
  /** The adapter's name, for errors. */
  adapter: string
  /** IndexedDB's durability hint for commits (default `'strict'`); see {@link IndexedDbDurability}. */
  durability?: IndexedDbDurability | undefined
}

/**
 * When IndexedDB reports a commit complete: `'strict'` once the browser has flushed it to disk,
 * so it survives a power loss or an operating-system crash; `'relaxed'` once the browser holds
 * it, sooner, so it survives the tab and the browser closing but may be lost in a crash of the
 * operating system or a power loss.
 */
export type IndexedDbDurability = 'strict' | 'relaxed'

/** The one meta record: page size, page count and version of the stored database. */
interface MetaRecord {
  pageSize: number
  pageCount: number
  version: number
}

/** One page: its number (the key), the version that last wrote it, and its bytes. */
interface PageRecord {
  page: number
  version: number
  data: Uint8Array
}

const META = 'meta'
const PAGES = 'pages'
const META_KEY = 'database'
const SCHEMA_VERSION = 1

/**
 * A {@link PageStore} in IndexedDB: one record per page in `pages` (keyed by page number, indexed
 * by the version that last wrote it) and one `meta` record. A commit puts its pages and the meta
 * record in one `readwrite` transaction (strict durability unless the options relax it), so it is
 * stored whole or not at all, and resolves once IndexedDB reports the transaction complete.
 */
export class IndexedDbPageStore implements PageStore {
  /** A commit's version check runs in the same transaction as its writes, which IndexedDB serialises. */
  readonly seesEveryCommit = true
  readonly #options: IndexedDbPageStoreOptions
  #database: IDBDatabase | undefined

  /** @param options - the database name and IndexedDB factory */
  constructor(options: IndexedDbPageStoreOptions) {
    this.#options = options
  }

  async open(): Promise<StoredDatabase> {
    const database = await this.#openDatabase()
    const transaction = database.transaction([META, PAGES], 'readonly')
    // A cursor, not getAll(): Chromium delivered the pages of a 10 MB database about twice as fast
    // through a cursor (one getAll answer that large is slower to hand over than many small ones).
    const [meta, records] = await Promise.all([
      request<MetaRecord | undefined>(transaction.objectStore(META).get(META_KEY)),
      readAll<PageRecord>(transaction.objectStore(PAGES).openCursor()),
    ])
    if (!meta) {
      if (records.length > 0) throw this.#corrupt(`${records.length} page records exist without a meta record`)
      return { pageSize: 0, pageCount: 0, version: 0, pages: new Map() }
    }
    this.#assertMeta(meta)
    return { ...meta, pages: this.#pagesOf(records, meta.version) }
  }

  async changesSince(version: number): Promise<PageChanges> {
    const database = this.#connected()
    const transaction = database.transaction([META, PAGES], 'readonly')
    const metaRequest = request<MetaRecord | undefined>(transaction.objectStore(META).get(META_KEY))
    // Newest first through the version index, stopping at the first page already seen: no key
    // range object is needed, so any injected IndexedDB implementation works.
    const records: PageRecord[] = []
    const cursorDone = new Promise<void>((resolve, reject) => {
      const cursorRequest = transaction.objectStore(PAGES).index('version').openCursor(null, 'prev')
      cursorRequest.onsuccess = () => {
        const cursor = cursorRequest.result
        if (!cursor || (cursor.value as PageRecord).version <= version) return resolve()
        records.push(cursor.value as PageRecord)
        cursor.continue()
      }
      cursorRequest.onerror = () => reject(cursorRequest.error)
    })
    const [meta] = await Promise.all([metaRequest, cursorDone])
    if (!meta) {
      if (version === 0 && records.length === 0) return { version: 0, pageCount: 0, pages: new Map() }
      throw this.#corrupt('the meta record is missing')
    }
    this.#assertMeta(meta)
    return { version: meta.version, pageCount: meta.pageCount, pages: this.#pagesOf(records, meta.version) }
  }

  async commit(commit: PageCommit): Promise<number> {
    const database = this.#connected()
    const transaction = database.transaction([META, PAGES], 'readwrite', {
      durability: this.#options.durability ?? 'strict',
    })
    const done = transactionDone(transaction)
    const metaStore = transaction.objectStore(META)
    const pageStore = transaction.objectStore(PAGES)
    let conflict: number | undefined
    let thrown: unknown
    const version = commit.baseVersion + 1
    const fail = (error: unknown) => {
      // A transaction that already ended refuses further requests; `done` reports why it ended.
      if ((error as { name?: string } | null)?.name === 'TransactionInactiveError') return
      thrown = error
      transaction.abort()
    }
    // The pages go out in the same task as the version check, without waiting for its answer: the
    // requests of one transaction run in order, so the check reads the version before this commit,
    // and aborting on a mismatch undoes the puts. One round trip fewer than check-then-write.
    const metaRequest = metaStore.get(META_KEY)
    try {
      for (const [page, data] of commit.pages) pageStore.put({ page, version, data } satisfies PageRecord)
      metaStore.put({ pageSize: commit.pageSize, pageCount: commit.pageCount, version } satisfies MetaRecord, META_KEY)
    } catch (error) {
      fail(error)
    }
    metaRequest.onsuccess = () => {
      const stored = metaRequest.result as MetaRecord | undefined
      if ((stored?.version ?? 0) !== commit.baseVersion) {
        conflict = stored?.version ?? 0
        transaction.abort()
        return
      }
      try {
        for (let page = commit.pageCount + 1; page <= (stored?.pageCount ?? 0); page++) pageStore.delete(page)
      } catch (error) {
        fail(error)
      }
    }
    try {
      await done
    } catch (error) {
      throw this.#commitError(thrown ?? error, conflict, commit.baseVersion)
    }
    return version
  }

  async close(): Promise<void> {
    this.#database?.close()
    this.#database = undefined
  }

  #openDatabase(): Promise<IDBDatabase> {
    return this.#requestDatabase().catch((error: unknown) => {
      throw this.#openError(error)
    })
  }

  /**
   * A refusal that means this runtime cannot keep data here (storage blocked by policy, private
   * mode) is unavailability, so that `createStorage` may use the next candidate; anything else is
   * a typed failure naming the database.
   */
  #openError(error: unknown): StorageError {
    const { adapter, name } = this.#options
    if (error instanceof StorageError) return error
    if (isQuotaError(error)) {
      return new StorageQuotaError(`IndexedDB is full; the database "${name}" cannot be opened`, {
        adapter,
        cause: error,
      })
    }
    const { name: kind = 'Error', message = String(error) } = (error ?? {}) as { name?: string; message?: string }
    if (UNAVAILABLE_ON_OPEN.has(kind)) {
      return new StorageUnavailableError(
        `IndexedDB refused to open the database "${name}" here (${kind}: ${message})`,
        {
          adapter,
          cause: error,
        },
      )
    }
    return new StorageError('QUERY_FAILED', `IndexedDB could not open the database "${name}" (${kind}: ${message})`, {
      adapter,
      cause: error,
    })
  }

  #requestDatabase(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const opening = this.#options.indexedDB.open(this.#options.name, SCHEMA_VERSION)
      opening.onupgradeneeded = () => {
        const database = opening.result
        database.createObjectStore(META)
        database.createObjectStore(PAGES, { keyPath: 'page' }).createIndex('version', 'version')
      }
      opening.onsuccess = () => {
        const database = opening.result
        // Another tab upgrading or deleting the database must not wait on this one.
        database.onversionchange = () => database.close()
        this.#database = database
        resolve(database)
      }
      opening.onerror = () => reject(opening.error)
      opening.onblocked = () =>
        reject(
          new StorageError('STORAGE_UNAVAILABLE', 'IndexedDB is blocked by another tab', {
            adapter: this.#options.adapter,
          }),
        )
    })
  }

  #connected(): IDBDatabase {
    if (!this.#database)
      throw new StorageError('STORAGE_CLOSED', 'the page store is closed', { adapter: this.#options.adapter })
    return this.#database
  }

  #pagesOf(records: readonly PageRecord[], version: number): Map<number, Uint8Array> {
    const pages = new Map<number, Uint8Array>()
    for (const record of records) {
      if (!(record.data instanceof Uint8Array)) throw this.#corrupt(`page ${record.page} holds no bytes`)
      if (record.version > version) {
        throw this.#corrupt(`page ${record.page} has version ${record.version}, newer than the database's ${version}`)
      }
      pages.set(record.page, record.data)
    }
    return pages
  }

  #assertMeta(meta: MetaRecord): void {
    const valid = [meta.pageSize, meta.pageCount, meta.version].every(
      (value) => Number.isSafeInteger(value) && value >= 0,
    )
    if (!valid || meta.pageSize === 0) throw this.#corrupt('the meta record is malformed')
  }

  #commitError(error: unknown, conflict: number | undefined, baseVersion: number): StorageError {
    const adapter = this.#options.adapter
    if (conflict !== undefined) return versionConflictError(adapter, baseVersion, conflict, error)
    return commitFailedError(adapter, error, 'IndexedDB', 'the IndexedDB transaction')
  }

  #corrupt(detail: string): StorageError {
    return corruptStorageError(this.#options.adapter, detail)
  }
}

function request<T>(pending: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    pending.onsuccess = () => resolve(pending.result as T)
    pending.onerror = () => reject(pending.error)
  })
}

/** Every value a cursor request walks over, in key order. */
function readAll<T>(cursorRequest: IDBRequest<IDBCursorWithValue | null>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const values: T[] = []
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result
      if (!cursor) return resolve(values)
      values.push(cursor.value as T)
      cursor.continue()
    }
    cursorRequest.onerror = () => reject(cursorRequest.error)
  })
}

function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onabort = () =>
      reject(transaction.error ?? new DOMException('the transaction was aborted', 'AbortError'))
  })
}
