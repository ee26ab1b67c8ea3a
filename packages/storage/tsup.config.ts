import { defineConfig } from 'tsup'

/** One entry per subpath export; the package.json `exports` map must name exactly these. */
export const entries = {
  index: 'src/index.ts',
  sqlite: 'src/sqlite.ts',
  d1: 'src/d1.ts',
  indexeddb: 'src/indexeddb.ts',
  'local-storage': 'src/local-storage.ts',
}

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['kysely', 'better-sqlite3', 'kysely-d1', '@sqlite.org/sqlite-wasm'],
})
