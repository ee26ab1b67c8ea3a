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
import { SITE_HEADERS } from './security-headers.js'

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
  /**
   * Host names the server answers for besides `localhost` and IP addresses, which it always
   * answers for. A request naming any other host in `Host` is refused (403): otherwise a page of
   * another site could point its own name at this machine (DNS rebinding) and read and change
   * the inventory as a page of this site.
   */
  allowedHosts?: readonly string[] | undefined
  /** Largest backup file `POST /api/restore` accepts, in bytes (default 32 MiB). */
  maxBackupBytes?: number | undefined
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

  let origin = ''
  const server = createServer((incoming, outgoing) => {
    respond(incoming, outgoing).catch((error: unknown) => {
      console.error(error)
      if (!outgoing.headersSent) outgoing.writeHead(500)
      outgoing.end()
    })
  })

  const allowedHosts = new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()))

  async function respond(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const request = toWebRequest(incoming, origin, allowedHosts)
    const response = request instanceof Response ? request : await route(request)
    const body = Buffer.from(await response.arrayBuffer())
    const headers: Record<string, string> = {
      ...Object.fromEntries(response.headers),
      'content-length': String(body.byteLength),
    }
    // A body left unread (a refused upload) would corrupt the next request on this connection.
    if (!incoming.complete) headers.connection = 'close'
    outgoing.writeHead(response.status, headers)
    outgoing.end(incoming.method === 'HEAD' ? undefined : body)
  }

  function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      return handleApiRequest(request, {
        storage,
        apiToken: options.apiToken,
        ...(options.maxBackupBytes !== undefined && { maxBackupBytes: options.maxBackupBytes }),
      })
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return Promise.resolve(errorResponse(405, 'method_not_allowed', "the site's files can only be read: use GET"))
    }
    return serveStatic(staticRoot, pathname)
  }

  await new Promise<void>((done) => server.listen(options.port, options.host ?? '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`
  return {
    url: origin,
    seeded,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())))
      await storage.close()
    },
  }
}

/**
 * Whether `hostname` (from a valid Host header, without its port) can only mean this machine:
 * an IP address, which no other site's page can make its own, or `localhost` and its subdomains.
 */
function isOwnHostname(hostname: string): boolean {
  return (
    hostname.startsWith('[') ||
    /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname) ||
    hostname === 'localhost' ||
    hostname.endsWith('.localhost')
  )
}

/** A Host header as a client may send it: a name or address, and a port. */
const VALID_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * The request as a web `Request`, or a 400 or 403 answer saying why it cannot be one. Its URL is
 * this server's origin followed by the request target, which must be a path: the `Host` header
 * never takes part in it, so no header can change which route answers. The `Host` header must
 * name this machine (an IP address, `localhost`) or one of `allowedHosts`.
 */
function toWebRequest(
  incoming: IncomingMessage,
  origin: string,
  allowedHosts: ReadonlySet<string>,
): Request | Response {
  const target = incoming.url ?? '/'
  if (!target.startsWith('/'))
    return errorResponse(400, 'bad_request', 'the request target must be a path, like /api/items')
  const host = incoming.headers.host
  if (host !== undefined && !VALID_HOST.test(host)) {
    return errorResponse(400, 'bad_request', 'the Host header must be a host name or address, with an optional port')
  }
  const hostname = host?.replace(/:\d+$/, '').toLowerCase()
  if (hostname !== undefined && !isOwnHostname(hostname) && !allowedHosts.has(hostname)) {
    return errorResponse(
      403,
      'forbidden',
      `this server does not answer for ${hostname}; to serve the site under that name, list it in INVENTORY_ALLOWED_HOSTS`,
    )
  }
  let url: URL
  try {
    url = new URL(`${origin}${target}`)
  } catch {
    return errorResponse(400, 'bad_request', 'the request target is not a valid path')
  }
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

/**
 * A file of the built UI, or `index.html` for any path that is not a file, with the site's
 * security headers. A path whose percent-encoding is malformed is answered with 400.
 */
export async function serveStatic(
  root: string,
  pathname: string,
  siteHeaders: Readonly<Record<string, string>> = SITE_HEADERS,
): Promise<Response> {
  let path: string
  try {
    path = decodeURIComponent(pathname)
  } catch {
    return errorResponse(400, 'bad_request', 'the path is not valid percent-encoded UTF-8')
  }
  const wanted = resolve(join(root, path))
  const insideRoot = wanted === root || wanted.startsWith(root + sep)
  const file = insideRoot && (await isFile(wanted)) ? wanted : join(root, 'index.html')
  try {
    const body = await readFile(file)
    const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'
    return new Response(body, {
      headers: {
        ...siteHeaders,
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': cache,
      },
    })
  } catch {
    return new Response('The UI is not built yet: run `pnpm build` in examples/inventory-pages.', {
      status: 503,
      headers: { ...siteHeaders, 'content-type': 'text/plain; charset=utf-8' },
    })
  }
}

/** An answer in the API's error shape, for requests refused before any route sees them. */
function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'x-content-type-options': 'nosniff' } })
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
