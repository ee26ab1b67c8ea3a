import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm'
import { StorageUnavailableError } from '../core/errors.js'

/** The loaded WASM SQLite module. */
export type WasmSqlite = Sqlite3Static

/** How to find `sqlite3.wasm` when the bundler or server does not put it next to the module's JS. */
export interface WasmLocation {
  /**
   * Returns the URL of `sqlite3.wasm` (for example `import wasmUrl from
   * '@sqlite.org/sqlite-wasm/sqlite3.wasm?url'` with Vite). Without it the file is looked up next to
   * `@sqlite.org/sqlite-wasm`'s own module, which works unbundled, in Node and with bundlers that
   * copy assets referenced by `new URL(..., import.meta.url)`.
   */
  wasmUrl?: string | URL
}

const loaded = new Map<string, Promise<WasmSqlite>>()

/**
 * Loads WASM SQLite once per wasm location. The package is imported here, on first use, so
 * merely importing this library loads no WASM and touches no browser global.
 *
 * @param location - where `sqlite3.wasm` is, when not next to the package's module
 * @param adapter - the adapter asking, for error messages
 */
export function loadWasmSqlite(location: WasmLocation, adapter: string): Promise<WasmSqlite> {
  const wasmUrl = location.wasmUrl === undefined ? undefined : String(location.wasmUrl)
  const key = wasmUrl ?? ''
  let module = loaded.get(key)
  if (!module) {
    module = instantiate(wasmUrl).catch((error: unknown) => {
      loaded.delete(key)
      throw new StorageUnavailableError(
        'WASM SQLite could not be loaded; install `@sqlite.org/sqlite-wasm` and make sure `sqlite3.wasm` is served (see the `wasmUrl` option)',
        { adapter, cause: error },
      )
    })
    loaded.set(key, module)
  }
  return module
}

async function instantiate(wasmUrl: string | undefined): Promise<WasmSqlite> {
  const { default: init } = await import('@sqlite.org/sqlite-wasm')
  const options = {
    // The module logs through these; keep the console quiet apart from real errors.
    print: () => undefined,
    printErr: (message: string) => console.error(message),
    ...(wasmUrl === undefined ? {} : { locateFile: () => wasmUrl }),
  }
  // The published typings omit the Emscripten module options the runtime accepts.
  const sqlite = await (init as unknown as (options: object) => Promise<WasmSqlite>)(options)
  // Every failing step is also logged as a warning; the error it throws says the same and is
  // what callers see, mapped to a typed StorageError.
  sqlite.config.warn = () => undefined
  return sqlite
}
