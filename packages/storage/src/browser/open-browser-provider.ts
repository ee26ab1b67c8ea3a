import { createProvider, type KyselyOptions } from '../core/create-provider.js'
import type { StorageProvider } from '../core/storage-provider.js'
import { BrowserDriver, type BrowserDriverOptions } from './browser-driver.js'

/**
 * The most bound parameters one statement may carry in the sqlite-wasm build
 * (`SQLITE_MAX_VARIABLE_NUMBER`, checked by the adapter tests).
 */
export const WASM_SQLITE_MAX_BOUND_PARAMETERS = 32766

/**
 * Opens the provider both browser adapters return: WASM SQLite over the given page store, with
 * remote changes from other tabs, handed to `createProvider` as its `StorageEngine`.
 *
 * @template DB - the database schema
 * @param options - the page store, database name and tab coordination
 * @param kysely - Kysely's `log` and `plugins`, passed through
 * @example
 * ```ts
 * const provider = await openBrowserProvider<Database>({ adapter: 'indexeddb', name, store }, { log })
 * ```
 */
export function openBrowserProvider<DB>(
  options: BrowserDriverOptions,
  kysely: KyselyOptions = {},
): Promise<StorageProvider<DB>> {
  const driver = new BrowserDriver(options)
  return createProvider<DB>(
    {
      adapter: options.adapter,
      capabilities: {
        interactiveTransactions: true,
        persistent: true,
        crossTabSync: true,
        maxBoundParameters: WASM_SQLITE_MAX_BOUND_PARAMETERS,
      },
      driver,
      onRemoteChange: (listener) => driver.onRemoteChange(listener),
    },
    kysely,
  )
}
