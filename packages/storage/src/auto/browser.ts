/**
 * `autoAdapters`: the candidate adapters for the runtime this bundle is built for, chosen by the
 * package's conditional exports. Node gets SQLite on a file, Workers and Pages Functions get D1,
 * browsers (and other runtimes) get IndexedDB, then localStorage. Each build holds only its own
 * adapters: a browser bundle never contains better-sqlite3 or the D1 code.
 *
 * This file is the browser and default build, and its declarations are those of every build;
 * `node.ts` and `worker.ts` beside it are the others.
 *
 * @module auto
 */
import { indexedDbAdapter } from '../adapters/indexeddb/indexed-db-adapter.js'
import { localStorageAdapter } from '../adapters/local-storage/local-storage-adapter.js'
import type { StorageAdapter } from '../core/storage-provider.js'
import type { AutoAdaptersOptions } from './auto-adapters-options.js'

export type { AutoAdaptersOptions }

/**
 * The candidate adapters for the runtime this bundle is built for. In browsers (and any runtime
 * without a more specific build): IndexedDB, then localStorage where IndexedDB is missing or refused.
 *
 * @param options - the database name (and, for other runtimes, the D1 binding or file directory)
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { autoAdapters } from '@inventory/storage/auto'
 *
 * const storage = await createStorage<Database>({ adapters: autoAdapters({ name: 'inventory' }) })
 * ```
 */
export function autoAdapters(options: AutoAdaptersOptions): StorageAdapter[] {
  return [indexedDbAdapter({ name: options.name }), localStorageAdapter({ name: options.name })]
}
