// The `node` build of `@inventory/storage/auto`; its types are those of `browser.ts`.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { sqliteAdapter } from '../adapters/sqlite/sqlite-adapter.js'
import type { StorageAdapter, StorageProvider } from '../core/storage-provider.js'
import type { AutoAdaptersOptions } from './auto-adapters-options.js'

export type { AutoAdaptersOptions }

/** Where database files go unless told otherwise, relative to the working directory. */
const DEFAULT_DIRECTORY = '.data'

/**
 * The candidate adapters for Node: SQLite (better-sqlite3) on the file
 * `<directory>/<name>.sqlite`, the directory created when it is opened.
 *
 * @param options - the database name and, optionally, the directory (default `.data`)
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { autoAdapters } from '@inventory/storage/auto'
 *
 * const storage = await createStorage<Database>({ adapters: autoAdapters({ name: 'inventory' }) })
 * // .data/inventory.sqlite
 * ```
 */
export function autoAdapters(options: AutoAdaptersOptions): StorageAdapter[] {
  const directory = resolve(options.directory ?? DEFAULT_DIRECTORY)
  const sqlite = sqliteAdapter({ filename: join(directory, `${encodeURIComponent(options.name)}.sqlite`) })
  return [
    {
      // Everything of the sqlite adapter (its unavailableReason too), but the directory made first.
      ...sqlite,
      open<DB>(): Promise<StorageProvider<DB>> {
        mkdirSync(directory, { recursive: true })
        return sqlite.open<DB>()
      },
    },
  ]
}
