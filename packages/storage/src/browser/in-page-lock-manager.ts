import type { WebLockManager } from './tab-coordination.js'

/**
 * Exclusive named locks within one page (one JS realm), granted in request order. The engine
 * falls back to it where `navigator.locks` is missing, which makes writers safe within this page
 * only; engines that share one instance (for example two engines on one store in a test)
 * exclude each other as tabs would.
 *
 * @example
 * ```ts
 * const locks = new InPageLockManager()
 * await locks.request('db', { mode: 'exclusive' }, async () => write())
 * ```
 */
export class InPageLockManager implements WebLockManager {
  readonly #tails = new Map<string, Promise<unknown>>()

  /**
   * Runs `callback` once every earlier request for `name` has finished.
   *
   * @param name - the lock's name
   * @param _options - only exclusive locks exist here
   * @param callback - runs while the lock is held; the lock is released when it settles
   */
  request<T>(name: string, _options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve()
    const result = previous.then(callback, callback)
    const tail = result.catch(() => undefined)
    this.#tails.set(name, tail)
    void tail.then(() => {
      if (this.#tails.get(name) === tail) this.#tails.delete(name)
    })
    return result
  }
}
