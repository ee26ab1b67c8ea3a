import type { DurableObjectStorage } from './durable-object-storage.js'

/** Thrown inside a held transaction's closure to make the runtime roll it back; never escapes. */
const ROLLBACK = Symbol('rollback')

/**
 * A `ctx.storage.transaction()` kept open until it is told how to end. The Durable Object
 * runtime refuses SQL's `begin`, `commit` and `savepoint`; its `transaction()` is the only way to
 * hold a transaction across awaits. Its closure waits here for a decision: commit lets it resolve,
 * rollback makes it throw. Opened inside another one, it is a nested transaction (a savepoint).
 */
export class HeldTransaction {
  readonly #decide: (commit: boolean) => void
  readonly #ended: Promise<void>

  private constructor(decide: (commit: boolean) => void, ended: Promise<void>) {
    this.#decide = decide
    this.#ended = ended
  }

  /** Opens a transaction; resolves once the runtime has begun it. */
  static async open(storage: DurableObjectStorage): Promise<HeldTransaction> {
    let decide!: (commit: boolean) => void
    const decision = new Promise<boolean>((resolve) => {
      decide = resolve
    })
    let begun!: () => void
    const started = new Promise<void>((resolve) => {
      begun = resolve
    })
    const ended = storage.transaction(async () => {
      begun()
      if (!(await decision)) throw ROLLBACK
    })
    // Until commit() or rollback() awaits it, a failure must not count as unhandled.
    ended.catch(() => undefined)
    await Promise.race([started, ended])
    return new HeldTransaction(decide, ended)
  }

  /** Commits; rejects with the runtime's error when the commit fails (a deferred foreign key). */
  async commit(): Promise<void> {
    this.#decide(true)
    await this.#ended
  }

  /** Rolls back everything done since the transaction began. */
  async rollback(): Promise<void> {
    this.#decide(false)
    try {
      await this.#ended
    } catch (error) {
      if (error !== ROLLBACK) throw error
    }
  }
}
