import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import { BROWSER_ONLY_SITE_HEADERS, pagesHeadersFile } from './src/server/security-headers.js'

/**
 * `vite build` makes the site that talks to a server's API (`dist/`: the Node server and Pages
 * with Functions serve it). `vite build --mode browser-only` makes the static site that keeps the
 * data in the browser (`dist-browser-only/`), and `vite build --mode offline-first` the site that
 * keeps a replica of the server's data in the browser and syncs it (`dist-offline-first/`, served
 * by the Node server with `--offline-first` or by Pages like `dist/`): the mode is chosen here, by
 * the deployment, never guessed from a server that did not answer.
 */
export default defineConfig(({ mode }) => ({
  build: { outDir: OUT_DIRS[mode] ?? 'dist', emptyOutDir: true },
  // The browser-only mode's SQLite engine finds its .wasm next to its module; pre-bundling would move it.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  plugins: [withoutSqliteWasmWorkers(), ...(mode === 'browser-only' ? [browserOnlyHeaders()] : [])],
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
}))

/** Where each build mode writes its site; the default (`production`) is `dist/`. */
const OUT_DIRS: Readonly<Record<string, string>> = {
  'browser-only': 'dist-browser-only',
  'offline-first': 'dist-offline-first',
}

/** sqlite-wasm's worker scripts, which it references with `new URL(name, import.meta.url)`. */
const WORKER_URL = /new URL\((["'])(sqlite3-opfs-async-proxy\.js|sqlite3-worker1\.mjs)\1, import\.meta\.url\)/g

/**
 * Leaves out of the build the two worker scripts `@sqlite.org/sqlite-wasm` points to: its Worker1
 * API worker and the OPFS VFS's proxy worker (about 250 kB together). The storage library runs
 * SQLite on the page's main thread with its own page store and never starts either, but Vite
 * bundles whatever `new URL(…, import.meta.url)` names. Each reference becomes an error thrown
 * only if that code path ever ran. A sqlite-wasm release that names them differently fails the
 * build here, instead of quietly shipping them again (the build-output test checks the result).
 */
function withoutSqliteWasmWorkers(): Plugin {
  return {
    name: 'without-sqlite-wasm-workers',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]@sqlite\.org[\\/]sqlite-wasm[\\/]dist[\\/]index\.mjs$/.test(id.split('?')[0] ?? '')) return
      const dropped = new Set<string>()
      const rewritten = code.replace(WORKER_URL, (_match, _quote, file: string) => {
        dropped.add(file)
        return `(() => { throw new Error('${file} is not part of this site: SQLite runs on the main thread') })()`
      })
      if (dropped.size !== 2) {
        this.error(`expected @sqlite.org/sqlite-wasm to name its two worker scripts, found ${[...dropped].join(', ')}`)
      }
      return { code: rewritten, map: null }
    },
  }
}

/**
 * Replaces the `_headers` copied from `public/` in the browser-only build with that build's own
 * (`BROWSER_ONLY_SITE_HEADERS`): its "Copy to a server" connects to another site, which the other
 * builds' policy forbids.
 */
function browserOnlyHeaders(): Plugin {
  let outDir = ''
  return {
    name: 'browser-only-headers',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const comment =
        'Cloudflare Pages: headers of every file of the browser-only build, written by vite.config.ts from\nsrc/server/security-headers.ts (BROWSER_ONLY_SITE_HEADERS); edit them there.'
      writeFileSync(join(outDir, '_headers'), pagesHeadersFile(BROWSER_ONLY_SITE_HEADERS, comment))
    },
  }
}
