import { defineConfig } from 'vite'

/**
 * `vite build` makes the site that talks to a server's API (`dist/`: the Node server and Pages
 * with Functions serve it). `vite build --mode browser-only` makes the static site that keeps the
 * data in the browser (`dist-browser-only/`): the mode is chosen here, by the deployment, never
 * guessed from a server that did not answer.
 */
export default defineConfig(({ mode }) => ({
  build: { outDir: mode === 'browser-only' ? 'dist-browser-only' : 'dist', emptyOutDir: true },
  // The browser-only mode's SQLite engine finds its .wasm next to its module; pre-bundling would move it.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
}))
