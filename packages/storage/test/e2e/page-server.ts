import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { createServer, searchForWorkspaceRoot } from 'vite'
import { chromiumLaunchOptions } from '@inventory/testing/chromium'

/** A Vite dev server for the pages under `root`, and a Chromium to open them in. */
export interface PageServer {
  url: string
  browser: Browser
  close(): Promise<void>
}

/**
 * Serves `root` with Vite (as an application using this library would be served) and launches Chromium.
 *
 * @param root - the directory holding the pages' HTML
 */
export async function startPageServer(root: URL): Promise<PageServer> {
  const rootPath = fileURLToPath(root)
  const server = await createServer({
    root: rootPath,
    configFile: false,
    logLevel: 'error',
    // What an application needs for sqlite-wasm (and the benchmarks' wa-sqlite): keep it out of
    // dependency pre-bundling, which would move the module away from its .wasm.
    optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm', '@journeyapps/wa-sqlite'] },
    server: { host: '127.0.0.1', port: 0, fs: { allow: [searchForWorkspaceRoot(rootPath)] } },
  })
  await server.listen()
  const address = server.httpServer?.address()
  if (!address || typeof address === 'string') throw new Error('the page server has no port')
  const browser = await chromium.launch(chromiumLaunchOptions())
  return {
    url: `http://127.0.0.1:${address.port}`,
    browser,
    async close() {
      await browser.close()
      await server.close()
    },
  }
}
