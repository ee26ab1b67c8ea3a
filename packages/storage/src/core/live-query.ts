import { type Compilable, type CompiledQuery, type Kysely, sql } from 'kysely'
import { StorageError } from './errors.js'
import { readTables } from './read-tables.js'
import type { ChangeEvent, StorageProvider } from './storage-provider.js'

/** What a {@link LiveQuery} subscriber may pass: the RxJS / TC39 observer shape, every part optional. */
export interface LiveQueryObserver<R> {
  /** Called with the query's rows: once when they are first read, then after each relevant commit. */
  next?(rows: R[]): void
  /** Called when a run of the query fails; the subscription stays open and the next relevant commit runs it again. */
  error?(error: unknown): void
  /** Called once when the provider is closed under the subscription. */
  complete?(): void
}

/**
 * Ends a subscription. It is a function (what Svelte stores expect) that also carries
 * `unsubscribe` (what RxJS's `Subscription` has), so either style of caller can end it.
 */
export interface LiveQueryUnsubscribe {
  (): void
  /** The same as calling the function. */
  unsubscribe(): void
}

/**
 * A query whose results stay current. Each subscriber gets the rows now and again after every
 * commit that writes a table the query reads. It is a Svelte store (`$items` in a component) and an
 * interoperable observable (`from(items)` in RxJS).
 *
 * @template R - the type of one row
 */
export interface LiveQuery<R> {
  /**
   * Starts receiving the query's rows.
   *
   * @param observer - a function called with each new result, or an observer with `next`, `error`, `complete`
   * @returns a function that ends this subscription (with an `unsubscribe` method too)
   */
  subscribe(observer: ((rows: R[]) => void) | LiveQueryObserver<R>): LiveQueryUnsubscribe
  /** The interoperability point RxJS's `from()` and other observable libraries look for. */
  [Symbol.observable](): LiveQuery<R>
  /** The same, under the string key used where `Symbol.observable` is not defined. */
  '@@observable'(): LiveQuery<R>
}

declare global {
  interface SymbolConstructor {
    readonly observable: symbol
  }
}

/**
 * Keeps a query's results current: runs it when subscribed, then again after every commit that
 * writes a table it reads, whether the commit was made through this provider or, on adapters with
 * `capabilities.crossTabSync`, by another tab. The tables read are found from the query's operation
 * tree (joins, subqueries, `exists`, unions and CTEs included); a query that reads through raw SQL or a
 * view re-runs after any commit. Commits made while a run is under way give one more run, not one
 * each, and results arrive in the order of the runs, so a subscriber never sees rows older than the
 * ones it already has.
 *
 * @template DB - the database schema
 * @template R - the type of one row
 * @param storage - the provider to read and to watch
 * @param build - builds the query from `storage.db`; called once per subscription
 * @example
 * ```ts
 * const lowStock = liveQuery(storage, (db) =>
 *   db.selectFrom('items').select(['sku', 'quantity']).where('quantity', '<', 5).orderBy('sku'),
 * )
 * const stop = lowStock.subscribe((rows) => console.log(rows))
 * stop()
 * ```
 */
export function liveQuery<DB, R>(storage: StorageProvider<DB>, build: (db: Kysely<DB>) => Compilable<R>): LiveQuery<R> {
  const interop = () => observable
  // `Symbol.observable` is declared for every program but defined only where a library (RxJS, a
  // polyfill) defined it: the string key serves the others.
  const observable = {
    subscribe(observer: ((rows: R[]) => void) | LiveQueryObserver<R>): LiveQueryUnsubscribe {
      const subscription = new LiveQuerySubscription(storage, build(storage.db).compile(), toObserver(observer))
      const unsubscribe = (() => subscription.stop()) as LiveQueryUnsubscribe
      unsubscribe.unsubscribe = unsubscribe
      return unsubscribe
    },
    '@@observable': interop,
  } as LiveQuery<R>
  const symbol: unknown = typeof Symbol === 'function' ? Symbol.observable : undefined
  if (typeof symbol === 'symbol') Object.defineProperty(observable, symbol, { value: interop })
  return observable
}

function toObserver<R>(observer: ((rows: R[]) => void) | LiveQueryObserver<R>): LiveQueryObserver<R> {
  return typeof observer === 'function' ? { next: observer } : observer
}

/** One subscriber's run loop: one run at a time, one more run for whatever was committed during it. */
class LiveQuerySubscription<R> {
  readonly #storage: StorageProvider<any>
  readonly #query: CompiledQuery<R>
  readonly #observer: LiveQueryObserver<R>
  readonly #stopListening: () => void
  /** The tables whose commits re-run the query; `undefined` for every table. */
  #watched: ReadonlySet<string> | undefined
  #running = false
  #rerun = false
  #stopped = false

  constructor(storage: StorageProvider<any>, query: CompiledQuery<R>, observer: LiveQueryObserver<R>) {
    this.#storage = storage
    this.#query = query
    this.#observer = observer
    this.#watched = readTables(query.query)
    this.#stopListening = storage.onChange((event) => this.#changed(event))
    void this.#loop(true)
  }

  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#stopListening()
  }

  #changed(event: ChangeEvent): void {
    if (this.#stopped) return
    const watched = this.#watched
    if (watched && !event.tables.some((table) => watched.has(table))) return
    if (this.#running) {
      this.#rerun = true
      return
    }
    void this.#loop(false)
  }

  async #loop(first: boolean): Promise<void> {
    this.#running = true
    try {
      if (first) await this.#watchViewsAsEverything()
      do {
        this.#rerun = false
        await this.#runOnce()
      } while (this.#rerun && !this.#stopped)
    } finally {
      this.#running = false
    }
  }

  async #runOnce(): Promise<void> {
    try {
      const result = await this.#storage.db.executeQuery(this.#query)
      if (!this.#stopped) this.#observer.next?.(result.rows)
    } catch (error) {
      if (this.#stopped) return
      if (error instanceof StorageError && error.code === 'STORAGE_CLOSED') {
        this.stop()
        this.#observer.complete?.()
        return
      }
      this.#report(error)
    }
  }

  /** A view's tables are not in the query: a query that reads a view re-runs after every commit. */
  async #watchViewsAsEverything(): Promise<void> {
    const watched = this.#watched
    if (!watched || watched.size === 0) return
    try {
      const views = await sql<{ name: string }>`select name from sqlite_master where type = 'view'`.execute(
        this.#storage.db,
      )
      if (views.rows.some((view) => watched.has(view.name))) this.#watched = undefined
    } catch {
      // The query's own run reports what is wrong with the database; watch every table meanwhile.
      this.#watched = undefined
    }
  }

  #report(error: unknown): void {
    if (this.#observer.error) {
      this.#observer.error(error)
      return
    }
    queueMicrotask(() => {
      throw error
    })
  }
}
