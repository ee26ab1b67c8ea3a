import {
  exportDatabase,
  importDatabase,
  StorageError,
  StorageQuotaError,
  type StorageProvider,
  UnsupportedOperationError,
} from '@inventory/storage'
import {
  adjustStock,
  createItem,
  deleteItem,
  getItem,
  listItems,
  listMovements,
  overview,
  updateItem,
} from '../domain/inventory.js'
import { applyImport, exportCsv, previewImport } from '../domain/inventory-csv.js'
import { InventoryError, type InventoryErrorKind } from '../domain/inventory-error.js'
import { sql } from 'kysely'
import { migrations } from '../domain/migrations.js'
import type { InventoryDB } from '../domain/schema.js'
import { importSchema, parseInput } from '../domain/validation.js'
import { inventoryMutators, SYNCED_TABLES } from '../domain/mutators.js'
import type { SyncServer } from '@inventory/storage/sync'

/** What the API needs from where it runs. */
export interface ApiContext {
  readonly storage: StorageProvider<InventoryDB>
  /** When set, every write must carry `Authorization: Bearer <token>`. */
  readonly apiToken?: string | undefined
  /** Largest request body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number
  /** Largest backup file `POST /api/restore` accepts, in bytes (default 32 MiB). */
  readonly maxBackupBytes?: number
}

/** The JSON body of every error response. */
export interface ApiErrorBody {
  error: {
    code:
      | 'bad_request'
      | 'invalid_input'
      | 'invalid_json'
      | 'not_found'
      | 'conflict'
      | 'unauthorized'
      | 'forbidden'
      | 'payload_too_large'
      | 'unsupported_media_type'
      | 'method_not_allowed'
      | 'storage_full'
      | 'invalid_backup'
      | 'not_implemented'
      | 'internal'
    message: string
    /** Field name → what is wrong with it. */
    fields?: Record<string, string>
    /** For a CSV import: each row that cannot be imported. */
    rows?: readonly { line: number; fields: Readonly<Record<string, string>> }[]
  }
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const DEFAULT_MAX_BACKUP_BYTES = 32 * 1024 * 1024

/** The media type of a SQLite database file. */
export const SQLITE_MEDIA_TYPE = 'application/vnd.sqlite3'

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorBody['error']['code'],
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message)
  }
}

/**
 * The inventory API, free of any server framework: a web `Request` in, a `Response` out. The Node
 * server, Pages Functions and the browser-only mode all call it with their own storage.
 *
 * @param request - a request whose path starts with `/api`
 * @param context - the storage to use and the optional write token
 */
export async function handleApiRequest(request: Request, context: ApiContext): Promise<Response> {
  let response: Response
  try {
    response = await route(request, context)
  } catch (error) {
    response = errorResponse(error)
  }
  // No answer of the API is ever to be read as anything but the type it declares.
  response.headers.set('x-content-type-options', 'nosniff')
  // Pages of other sites may read the sync endpoint's answers: it answers them only with the token (see below).
  if (new URL(request.url).pathname === SYNC_PATH) response.headers.set('access-control-allow-origin', '*')
  return response
}

async function route(request: Request, context: ApiContext): Promise<Response> {
  const url = new URL(request.url)
  const segments = url.pathname
    .replace(/^\/api\/?/, '')
    .split('/')
    .filter(Boolean)
  const method = request.method.toUpperCase()
  const query = Object.fromEntries(url.searchParams)
  const { storage } = context
  const { db } = storage
  const sync = url.pathname === SYNC_PATH
  if (sync && method === 'OPTIONS') return syncPreflight()
  if (method !== 'GET' && method !== 'HEAD') {
    // A sync that carries a token is judged by its token alone, from whatever site (see syncPreflight).
    if (!(sync && context.apiToken && request.headers.has('authorization'))) {
      refuseCrossSite(request, sync ? SYNC_FROM_ANOTHER_SITE : undefined)
    }
    authorize(request, context)
  }

  const [resource, id, action, ...rest] = segments
  if (rest.length > 0) throw notFound(url.pathname)
  switch (resource) {
    case 'health':
      if (segments.length !== 1) break
      allow(method, ['GET'])
      return json({ ok: true, adapter: storage.adapter, writes_require_token: Boolean(context.apiToken) })
    case 'items': {
      if (id === undefined) {
        allow(method, ['GET', 'POST'])
        if (method === 'POST') return json({ item: await createItem(storage, await readJson(request, context)) }, 201)
        const [items, summary] = await Promise.all([listItems(db, query), overview(db)])
        return json({ items, overview: summary })
      }
      const itemId = parseId(id)
      if (action === undefined) {
        allow(method, ['GET', 'PATCH', 'DELETE'])
        if (method === 'PATCH')
          return json({ item: await updateItem(storage, itemId, await readJson(request, context)) })
        if (method === 'DELETE') {
          await deleteItem(storage, itemId)
          return new Response(null, { status: 204 })
        }
        const item = await getItem(db, itemId)
        return json({ item, movements: await listMovements(db, { item_id: itemId, limit: 100 }) })
      }
      if (action === 'adjust') {
        allow(method, ['POST'])
        return json(await adjustStock(storage, itemId, await readJson(request, context)))
      }
      break
    }
    case 'movements':
      if (segments.length !== 1) break
      allow(method, ['GET'])
      return json({ movements: await listMovements(db, query) })
    case 'export':
      if (segments.length !== 1) break
      allow(method, ['GET'])
      return new Response(await exportCsv(db), {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="inventory.csv"',
        },
      })
    case 'backup': {
      if (segments.length !== 1) break
      allow(method, ['GET'])
      refuseWithoutDatabaseFiles(storage)
      const file = await exportDatabase(storage)
      return new Response(file, {
        headers: {
          'content-type': SQLITE_MEDIA_TYPE,
          'content-disposition': `attachment; filename="${backupFilename(new Date())}"`,
          'cache-control': 'no-store',
        },
      })
    }
    case 'restore': {
      if (segments.length !== 1) break
      allow(method, ['POST'])
      refuseWithoutDatabaseFiles(storage)
      const file = await readBody(request, {
        types: [SQLITE_MEDIA_TYPE, 'application/octet-stream', 'application/x-sqlite3'],
        limit: context.maxBackupBytes ?? DEFAULT_MAX_BACKUP_BYTES,
      })
      const restored = await restoreBackup(storage, file)
      // The restored file may lack the change log and its triggers: the next sync sets them up again.
      syncServers.delete(storage)
      return json(restored)
    }
    case 'import': {
      if (segments.length > 2 || (id !== undefined && id !== 'preview')) break
      allow(method, ['POST'])
      const { csv } = parseInput(importSchema, await readJson(request, context))
      if (id === 'preview') return json(await previewImport(db, csv))
      return json(await applyImport(storage, csv))
    }
    case 'sync':
      if (segments.length !== 1) break
      allow(method, ['POST'])
      // The sync server reads the body itself; the rule every write keeps is checked here.
      requireContentType(request, ['application/json'])
      return (await syncServerOf(context)).handle(request)
  }
  throw notFound(url.pathname)
}

/**
 * Refuses a write that a page of another site sent (cross-site request forgery): such a page
 * cannot set the token, but without one configured, or with the browser's own credentials, its
 * request would otherwise be carried out. Browsers name the page's origin in `Origin` and, with
 * fetch metadata, say `Sec-Fetch-Site: cross-site`; clients that are not browsers (scripts, curl,
 * the Python client) send neither and are let through.
 */
function refuseCrossSite(request: Request, hint?: string): void {
  const site = request.headers.get('sec-fetch-site')
  const origin = request.headers.get('origin')
  const host = request.headers.get('host') ?? new URL(request.url).host
  if (site === 'cross-site' || site === 'same-site' || (origin !== null && originHost(origin) !== host)) {
    const sender = origin ?? `Sec-Fetch-Site: ${site}`
    const message = 'writes are accepted only from pages of this site'
    throw new HttpError(403, 'forbidden', hint ? `${message}; ${hint}` : message, {
      origin: `${sender} is not this site`,
    })
  }
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host
  } catch {
    return null
  }
}

function authorize(request: Request, context: ApiContext): void {
  if (!carriesToken(request, context)) {
    throw new HttpError(401, 'unauthorized', 'writes need the header Authorization: Bearer <token>', {
      authorization: 'missing or wrong token',
    })
  }
}

/** Whether the request may write: no token is configured, or it carries `Authorization: Bearer <token>`. */
function carriesToken(request: Request, context: ApiContext): boolean {
  if (!context.apiToken) return true
  const header = request.headers.get('authorization') ?? ''
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]
  return given !== undefined && constantTimeEqual(given, context.apiToken)
}

const SYNC_FROM_ANOTHER_SITE =
  "a page of another site may sync only with the server's write token (INVENTORY_API_TOKEN), which it must be set up with"

/** The sync endpoint's path: the one route pages of other sites may call (with the token). */
const SYNC_PATH = '/api/sync'

/**
 * The answer to a browser asking whether a page of another site may send `POST /api/sync` with a
 * token (CORS preflight): yes, and the request itself then passes only with the right token.
 * Writes are refused from other sites because a browser adds a site's cookies (or, for a server
 * without a token, its place on the network) to any page's request: authority the page never had.
 * A bearer token is never added by the browser; a page can send it only if its user gave it, as
 * the browser-only build's "Copy to a server" does, which makes such a request as deliberate as
 * one from curl. Without a configured token nothing tells the user's page from an attacker's, so
 * then other sites stay refused (403). No cookies are involved: `Access-Control-Allow-Credentials`
 * is not sent, and `*` lets any page read only the answers its own token earned.
 */
function syncPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
    },
  })
}

/** One sync server per storage: it sets up its change log once, on its first request. */
const syncServers = new WeakMap<StorageProvider<InventoryDB>, Promise<SyncServer>>()

/**
 * The offline-first mode's endpoint (`POST /api/sync`): pushes of the inventory's mutators and
 * pulls of the items and movements, for a client that keeps a replica. It is a write, so it passed
 * the same cross-site check and token as every other write before it got here; `authorize` asks
 * for the token again, so the endpoint keeps the rule wherever it is mounted.
 */
function syncServerOf(context: ApiContext): Promise<SyncServer> {
  let server = syncServers.get(context.storage)
  if (!server) {
    // Loaded on first use: the browser-only build runs this handler too, and never syncs.
    server = import('@inventory/storage/sync').then(({ createSyncServer }) =>
      createSyncServer<InventoryDB>({
        storage: context.storage,
        mutators: inventoryMutators,
        tables: SYNCED_TABLES,
        authorize: (request) => carriesToken(request, context),
      }),
    )
    syncServers.set(context.storage, server)
  }
  return server
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  let difference = left.length ^ right.length
  for (let index = 0; index < right.length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0)
  return difference === 0
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method) && !(method === 'HEAD' && methods.includes('GET'))) {
    throw new HttpError(405, 'method_not_allowed', `use ${methods.join(' or ')}`)
  }
}

function parseId(text: string): number {
  const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(id))
    throw new HttpError(400, 'invalid_input', `invalid item id: ${text}`, { id: 'a positive whole number' })
  return id
}

function notFound(path: string): HttpError {
  return new HttpError(404, 'not_found', `no such route: ${path}`)
}

/**
 * Reads a JSON body no larger than the limit, counting bytes as they arrive. The body must say
 * it is JSON: a form or `text/plain` body is what a page of another site can send without asking.
 */
async function readJson(request: Request, context: ApiContext): Promise<unknown> {
  const bytes = await readBody(request, {
    types: ['application/json'],
    limit: context.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    // Decoded leniently, each bad byte would be stored as U+FFFD and the user's text lost.
    throw new HttpError(400, 'invalid_json', 'the body is not valid UTF-8 text', { body: 'not valid UTF-8' })
  }
  if (text.trim() === '')
    throw new HttpError(400, 'invalid_json', 'the body must be a JSON object', { body: 'missing' })
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON', { body: 'not valid JSON' })
  }
}

/**
 * Refuses (415) a body that does not say it is one of `types`: none of them is one a page of
 * another site can send without the browser asking this site first.
 */
function requireContentType(request: Request, types: readonly string[]): void {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type === undefined || !types.includes(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      types.length === 1
        ? 'the body must be JSON, sent as Content-Type: application/json'
        : `the body must be sent as Content-Type: ${types.join(' or ')}`,
      { 'content-type': type ? `${type} is not ${types.join(' or ')}` : 'missing' },
    )
  }
}

/**
 * Reads a body of one of `types` no larger than `limit`, counting bytes as they arrive. None of
 * the types is one a page of another site can send without the browser asking this site first.
 */
async function readBody(
  request: Request,
  { types, limit }: { types: readonly string[]; limit: number },
): Promise<Uint8Array> {
  requireContentType(request, types)
  const tooLarge = () => new HttpError(413, 'payload_too_large', `the body must be at most ${limit} bytes`)
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooLarge()
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read().catch(() => {
        // The client hung up mid-body (a dropped connection): its fault, not the server's, and nothing was written.
        throw new HttpError(400, 'bad_request', 'the body was cut off before its end', { body: 'incomplete' })
      })
      if (done) break
      size += value.byteLength
      if (size > limit) {
        await reader.cancel()
        throw tooLarge()
      }
      chunks.push(value)
    }
  }
  return concat(chunks, size)
}

/** What each adapter without database files offers instead, for the 501 answer of the backup routes. */
const NO_DATABASE_FILES: Readonly<Record<string, string>> = {
  d1:
    'a D1 database cannot be downloaded or replaced from the site: back it up with ' +
    '`wrangler d1 export <database> --remote --output backup.sql` and restore it with ' +
    '`wrangler d1 execute <database> --remote --file backup.sql` (or use D1 Time Travel)',
  'durable-object':
    "a Durable Object's database cannot be downloaded or replaced from the site: " +
    'export the items as CSV (GET /api/export) and import them elsewhere (POST /api/import)',
}

function refuseWithoutDatabaseFiles(storage: StorageProvider<InventoryDB>): void {
  const instead = NO_DATABASE_FILES[storage.adapter]
  if (instead !== undefined) throw new HttpError(501, 'not_implemented', instead)
}

/** `inventory-2026-12-07T0712.sqlite`: the moment of the backup, in UTC, safe in any file system. */
function backupFilename(now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace(':', '')
  return `inventory-${stamp}.sqlite`
}

/**
 * Replaces the inventory with a backup file, then brings it up to date with `migrate()`. A file
 * that is not a SQLite database, is damaged, or is not an inventory is refused and the data kept:
 * the current database is saved first and put back if the file turns out not to be an inventory.
 */
async function restoreBackup(
  storage: StorageProvider<InventoryDB>,
  file: Uint8Array,
): Promise<{ restored: true; items: number; movements: number }> {
  if (file.byteLength === 0) throw invalidBackup('the file is empty')
  const current = await exportDatabase(storage)
  try {
    await importDatabase(storage, file)
  } catch (error) {
    if (error instanceof StorageError && (error.code === 'CORRUPT_STORAGE' || error.code === 'INVALID_PARAMETER')) {
      throw invalidBackup(error.message)
    }
    throw error
  }
  try {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(storage.db)
    const names = new Set(tables.rows.map((table) => table.name))
    if (!names.has('items') || !names.has('movements'))
      throw invalidBackup('the file is a SQLite database, but not an inventory backup')
    await storage.migrate(migrations)
    const count = async (table: 'items' | 'movements') =>
      Number(
        (
          await storage.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    return { restored: true, items: await count('items'), movements: await count('movements') }
  } catch (error) {
    // Put the inventory back as it was before the restore.
    await importDatabase(storage, current)
    if (error instanceof HttpError) throw error
    throw invalidBackup(`the backup could not be brought up to date: ${(error as Error).message}`)
  }
}

function invalidBackup(reason: string): HttpError {
  return new HttpError(422, 'invalid_backup', `the file cannot be restored: ${reason}. Nothing was changed`, {
    file: reason,
  })
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } })
}

/** The status and error code of each kind of {@link InventoryError}. */
const INVENTORY_ERROR_STATUS: Record<InventoryErrorKind, [number, ApiErrorBody['error']['code']]> = {
  invalid_input: [400, 'invalid_input'],
  not_found: [404, 'not_found'],
  conflict: [409, 'conflict'],
  too_large: [413, 'payload_too_large'],
}

function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    return json(
      { error: { code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) } },
      error.status,
    )
  }
  if (error instanceof InventoryError) {
    const [status, code] = INVENTORY_ERROR_STATUS[error.kind]
    const body: ApiErrorBody = { error: { code, message: error.message, fields: { ...error.fields } } }
    if (error.rows.length > 0) body.error.rows = error.rows
    return json(body, status)
  }
  if (error instanceof UnsupportedOperationError) {
    return json({ error: { code: 'not_implemented', message: error.message } }, 501)
  }
  if (error instanceof StorageQuotaError) {
    const where =
      error.adapter === 'local-storage' || error.adapter === 'indexeddb'
        ? "this browser's storage is full"
        : 'the database is full'
    const message = `${where}: nothing was saved. Export a CSV and delete items you no longer need, then try again`
    return json({ error: { code: 'storage_full', message } }, 507)
  }
  console.error(error)
  return json({ error: { code: 'internal', message: 'the server could not complete the request' } }, 500)
}
