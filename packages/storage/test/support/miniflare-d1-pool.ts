import { Miniflare } from 'miniflare'

const IDLE_WORKER = 'export default { fetch() { return new Response("") } }'

/** Miniflare's D1 binding: the full Workers type, which the adapter's structural one accepts. */
export type MiniflareD1Database = Awaited<ReturnType<Miniflare['getD1Database']>>

/**
 * Empty D1 databases on Miniflare's real D1 (workerd), one per call to {@link MiniflareD1Pool.fresh}.
 * A Miniflare instance starts in about a quarter of a second and serves many D1 bindings, so the
 * pool starts one per `size` databases rather than one per test.
 */
export class MiniflareD1Pool {
  readonly #size: number
  readonly #instances: Miniflare[] = []
  #used = 0

  /** @param size - D1 bindings per Miniflare instance */
  constructor(size = 32) {
    this.#size = size
  }

  /** A database nobody has used, and a way to get a second, independent handle to it. */
  async fresh(): Promise<{ database: MiniflareD1Database; reconnect: () => Promise<MiniflareD1Database> }> {
    const slot = this.#used++ % this.#size
    if (slot === 0) {
      const bindings = Object.fromEntries(
        Array.from({ length: this.#size }, (_, index) => [`DB_${index}`, `db-${this.#used}-${index}`]),
      )
      this.#instances.push(new Miniflare({ modules: true, script: IDLE_WORKER, d1Databases: bindings }))
    }
    const instance = this.#instances[this.#instances.length - 1] as Miniflare
    const reconnect = () => instance.getD1Database(`DB_${slot}`)
    return { database: await reconnect(), reconnect }
  }

  /** Stops every Miniflare instance started. */
  async dispose(): Promise<void> {
    await Promise.all(this.#instances.splice(0).map((instance) => instance.dispose()))
  }
}
