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

/** Handlers of requests to paths the page server answers itself, by path (e.g. `/api/sync`). */
export type PageServerRoutes = Readonly<Record<string, (request: Request) => Promise<Response>>>

/**
 * Serves `root` with Vite (as an application using this library would be served) and launches Chromium.
 *
 * @param root - the directory holding the pages' HTML
 * @param routes - requests the server answers with a handler of its own, same-origin with the pages
 */
export async function startPageServer(root: URL, routes: PageServerRoutes = {}): Promise<PageServer> {
  const rootPath = fileURLToPath(root)
  const server = await createServer({
    root: rootPath,
    configFile: false,
    logLevel: 'error',
    plugins: [
      {
        name: 'page-server-routes',
        configureServer(vite) {
          for (const [path, handle] of Object.entries(routes)) {
            vite.middlewares.use(path, (incoming, outgoing) => {
              const chunks: Buffer[] = []
              incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
              incoming.on('end', async () => {
                const headers = new Headers()
                for (const [name, value] of Object.entries(incoming.headers)) {
                  if (typeof value === 'string') headers.set(name, value)
                }
                const response = await handle(
                  new Request(`http://127.0.0.1${incoming.originalUrl ?? path}`, {
                    method: incoming.method ?? 'GET',
                    headers,
                    ...(incoming.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
                  }),
                )
                outgoing.statusCode = response.status
                response.headers.forEach((value, name) => {
                  outgoing.setHeader(name, value)
                })
                outgoing.end(Buffer.from(await response.arrayBuffer()))
              })
            })
          }
        },
      },
    ],
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
