/**
 * `autoAdapters`: the candidate adapters for the runtime this bundle is built for, chosen by the
 * package's conditional exports. Node gets SQLite on a file, Workers and Pages Functions get D1,
 * browsers (and other runtimes) get IndexedDB, then localStorage. Each build holds only its own
 * adapters: a browser bundle never contains better-sqlite3 or the D1 code.
 *
 * @module
 */
export { autoAdapters } from './auto/auto-adapters.browser.js'
export type { AutoAdaptersOptions } from './auto/auto-adapters-options.js'
