import type { WebLockManager } from '../../src/local-storage.js'

/**
 * Named locks within one process that, like `navigator.locks`, also answer `query()` with the locks
 * held. Exclusive requests of one name wait for each other; shared ones are granted at once.
 */
export class QueryableLockManager implements WebLockManager {
  readonly #tails = new Map<string, Promise<unknown>>()
  readonly #held = new Map<string, number>()

  request<T>(name: string, options: { mode: 'exclusive' | 'shared' }, callback: () => Promise<T>): Promise<T> {
    const run = async () => {
      this.#held.set(name, (this.#held.get(name) ?? 0) + 1)
      try {
        return await callback()
      } finally {
        const count = (this.#held.get(name) ?? 1) - 1
        if (count === 0) this.#held.delete(name)
        else this.#held.set(name, count)
      }
    }
    if (options.mode === 'shared') return run()
    const previous = this.#tails.get(name) ?? Promise.resolve()
    const result = previous.then(run, run)
    this.#tails.set(
      name,
      result.catch(() => undefined),
    )
    return result
  }

  async query(): Promise<{ held: { name: string }[] }> {
    return { held: [...this.#held.keys()].map((name) => ({ name })) }
  }
}
