/** A lock that costs one resolved promise when nobody holds it. */
export class ConnectionMutex {
  #held = false
  readonly #waiting: (() => void)[] = []

  lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /**
   * Locks and resolves to `value`: with the lock free, one already-resolved promise, without the
   * extra promise a `lock().then(...)` would cost on every query.
   */
  lockFor<T>(value: T): Promise<T> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve(value)
    }
    return new Promise((resolve) => this.#waiting.push(() => resolve(value)))
  }

  unlock(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#held = false
  }
}
