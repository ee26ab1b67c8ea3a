import { defineConfig } from 'tsup'

/** One entry per subpath export; the package.json `exports` map must name exactly these. */
export const entries = {
  index: 'src/index.ts',
  sqlite: 'src/sqlite.ts',
  d1: 'src/d1.ts',
  'durable-object': 'src/durable-object.ts',
  indexeddb: 'src/indexeddb.ts',
  'local-storage': 'src/local-storage.ts',
  sync: 'src/sync.ts',
  auto: 'src/auto/browser.ts',
}

/**
 * The runtime builds of `./auto` beside `auto` (the browser and default build), chosen by conditional
 * exports; they share the declarations of `auto`.
 */
export const runtimeEntries = {
  'auto-node': 'src/auto/node.ts',
  'auto-worker': 'src/auto/worker.ts',
}

export default defineConfig({
  entry: { ...entries, ...runtimeEntries },
  format: ['esm', 'cjs'],
  dts: { entry: entries },
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['kysely', 'better-sqlite3', 'kysely-d1', '@sqlite.org/sqlite-wasm'],
})
