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

  unlock(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#held = false
  }
}
