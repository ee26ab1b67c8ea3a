/** Counts the operations under way, so that closing can wait until the last one has finished. */
export class WorkInFlight {
  #count = 0
  readonly #waiting: (() => void)[] = []

  /** An operation has started. */
  start(): void {
    this.#count++
  }

  /** An operation started with {@link WorkInFlight.start} has finished, successfully or not. */
  finish(): void {
    this.#count--
    if (this.#count === 0) for (const resolve of this.#waiting.splice(0)) resolve()
  }

  /** Resolves once no operation is under way. */
  drained(): Promise<void> {
    if (this.#count === 0) return Promise.resolve()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
}
