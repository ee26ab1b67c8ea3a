// The `workerd` and `worker` build of `@inventory/storage/auto`; its types are those of `browser.ts`.
import { d1Adapter } from '../adapters/d1/d1-adapter.js'
import { durableObjectAdapter } from '../adapters/durable-object/durable-object-adapter.js'
import { StorageUnavailableError } from '../core/errors.js'
import type { StorageAdapter } from '../core/storage-provider.js'
import type { AutoAdaptersOptions } from './auto-adapters-options.js'

export type { AutoAdaptersOptions }

/**
 * The candidate adapters for Cloudflare Workers and Pages Functions: the SQLite storage of the
 * Durable Object the code runs in, when `durableObject` is given, then D1 through its binding.
 *
 * @param options - the database name, and the D1 binding or the Durable Object's `ctx.storage`
 * @throws {@link StorageUnavailableError} when neither is given
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { autoAdapters } from '@inventory/storage/auto'
 *
 * export default {
 *   async fetch(request: Request, env: { DB: D1Database }) {
 *     const storage = await createStorage<Database>({ adapters: autoAdapters({ name: 'inventory', d1: env.DB }) })
 *     return Response.json(await storage.db.selectFrom('items').selectAll().execute())
 *   },
 * }
 * ```
 */
export function autoAdapters(options: AutoAdaptersOptions): StorageAdapter[] {
  if (!options.d1 && !options.durableObject) {
    throw new StorageUnavailableError(
      `autoAdapters({ name: '${options.name}' }) runs in a Worker but was given no D1 binding: bind a D1 database (for example as DB in wrangler.toml) and pass autoAdapters({ name, d1: env.DB }), or inside a SQLite-backed Durable Object pass autoAdapters({ name, durableObject: ctx.storage })`,
      { adapter: 'd1' },
    )
  }
  const candidates: StorageAdapter[] = []
  if (options.durableObject) candidates.push(durableObjectAdapter({ storage: options.durableObject }))
  if (options.d1) candidates.push(d1Adapter({ database: options.d1 }))
  return candidates
}
