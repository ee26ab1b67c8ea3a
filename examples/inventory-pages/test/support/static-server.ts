import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '../../src/server/node-server.js'
import { BROWSER_ONLY_SITE_HEADERS } from '../../src/server/security-headers.js'
import type { ApiServer } from './api-contract.js'

/** The browser-only build as a static host serves it: files only, no API. */
export async function startStaticServer(): Promise<ApiServer> {
  const root = fileURLToPath(new URL('../../dist-browser-only', import.meta.url))
  const server = createServer(async (incoming, outgoing) => {
    const path = new URL(incoming.url ?? '/', 'http://localhost').pathname
    const response = await serveStatic(root, path, BROWSER_ONLY_SITE_HEADERS)
    outgoing.writeHead(response.status, Object.fromEntries(response.headers))
    outgoing.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    },
  }
}
