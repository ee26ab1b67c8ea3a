import { mkdirSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { createStorage } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { handleApiRequest } from '../api/handle-api-request.js'
import { seedSampleItems } from '../domain/inventory.js'
import { migrations } from '../domain/migrations.js'
import type { InventoryDB } from '../domain/schema.js'

export interface NodeServerOptions {
  /** SQLite file; created, migrated and seeded with sample items on first start. */
  filename: string
  /** Port to listen on; 0 picks a free one. */
  port: number
  host?: string
  /** The built UI to serve next to `/api`. */
  staticDir: string
  /** When set, writes need `Authorization: Bearer <token>`. */
  apiToken?: string | undefined
}

export interface RunningServer {
  readonly url: string
  /** Whether this start filled an empty database with the sample items. */
  readonly seeded: boolean
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
}

/** Serves the built UI and the API on the sqlite adapter. */
export async function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ filename: options.filename }) })
  await storage.migrate(migrations)
  const seeded = await seedSampleItems(storage)
  const staticRoot = resolve(options.staticDir)

  const server = createServer((incoming, outgoing) => {
    respond(incoming, outgoing).catch((error: unknown) => {
      console.error(error)
      if (!outgoing.headersSent) outgoing.writeHead(500)
      outgoing.end()
    })
  })

  async function respond(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const request = toWebRequest(incoming)
    const { pathname } = new URL(request.url)
    const response =
      pathname === '/api' || pathname.startsWith('/api/')
        ? await handleApiRequest(request, { storage, apiToken: options.apiToken })
        : await serveStatic(staticRoot, pathname)
    const headers = Object.fromEntries(response.headers)
    // A body left unread (a refused upload) would corrupt the next request on this connection.
    if (!incoming.complete) headers.connection = 'close'
    outgoing.writeHead(response.status, headers)
    outgoing.end(request.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()))
  }

  await new Promise<void>((done) => server.listen(options.port, options.host ?? '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    seeded,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())))
      await storage.close()
    },
  }
}

function toWebRequest(incoming: IncomingMessage): Request {
  const url = `http://${incoming.headers.host ?? 'localhost'}${incoming.url ?? '/'}`
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else if (value !== undefined) headers.set(name, value)
  }
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD'
  return new Request(url, {
    method: incoming.method ?? 'GET',
    headers,
    ...(hasBody && { body: Readable.toWeb(incoming) as ReadableStream<Uint8Array>, duplex: 'half' }),
  })
}

/** A file of the built UI, or `index.html` for any path that is not a file. */
export async function serveStatic(root: string, pathname: string): Promise<Response> {
  const wanted = resolve(join(root, decodeURIComponent(pathname)))
  const insideRoot = wanted === root || wanted.startsWith(root + sep)
  const file = insideRoot && (await isFile(wanted)) ? wanted : join(root, 'index.html')
  try {
    const body = await readFile(file)
    const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'
    return new Response(body, {
      headers: { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache },
    })
  } catch {
    return new Response('The UI is not built yet: run `pnpm build` in examples/inventory-pages.', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    })
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
