import type { StorageEngine } from '../core/storage-engine.js'
import { BrowserDriver } from './browser-driver.js'
import { BrowserEngine, type BrowserEngineOptions } from './browser-engine.js'

/**
 * The most bound parameters one statement may carry in the sqlite-wasm build
 * (`SQLITE_MAX_VARIABLE_NUMBER`, checked by the engine tests).
 */
export const WASM_SQLITE_MAX_BOUND_PARAMETERS = 32766

/**
 * The {@link StorageEngine} both browser adapters hand to `createProvider`: WASM SQLite over the
 * given page store, with remote changes from other tabs.
 *
 * @param options - the page store, database name and tab coordination
 * @example
 * ```ts
 * const provider = await createProvider<Database>(browserStorageEngine({ adapter: 'indexeddb', name, store }))
 * ```
 */
export function browserStorageEngine(options: BrowserEngineOptions): StorageEngine {
  const engine = new BrowserEngine(options)
  return {
    adapter: options.adapter,
    capabilities: {
      interactiveTransactions: true,
      persistent: true,
      crossTabSync: true,
      maxBoundParameters: WASM_SQLITE_MAX_BOUND_PARAMETERS,
    },
    driver: new BrowserDriver(engine),
    onRemoteChange: (listener) => engine.onRemoteChange(listener),
  }
}
