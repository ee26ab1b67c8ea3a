// Every request under /api on Cloudflare Pages: the site's API handler on the D1 binding `DB`,
// in a D1 session continued from the client's bookmark, so reads served by a replica still see
// the client's own earlier writes.
import { createStorage } from '@inventory/storage'
import { type D1Database, d1Adapter, d1Bookmark } from '@inventory/storage/d1'
import { handleApiRequest } from '../../src/api/handle-api-request.js'
import { D1_BOOKMARK_HEADER, isD1Bookmark } from '../../src/api/d1-bookmark-header.js'
import type { InventoryDB } from '../../src/domain/schema.js'

/** The bindings this function reads: set them in wrangler.toml or the Pages dashboard. */
interface Env {
  DB?: D1Database
  /** When set (as a secret), writes need `Authorization: Bearer <token>`. */
  INVENTORY_API_TOKEN?: string
}

export async function onRequest(context: { request: Request; env: Env }): Promise<Response> {
  const { request, env } = context
  if (!env.DB) {
    return errorResponse(503, 'internal', 'no D1 database is bound as DB; see the deploy guide in the README')
  }
  const bookmark = request.headers.get(D1_BOOKMARK_HEADER)
  if (bookmark !== null && !isD1Bookmark(bookmark)) {
    return errorResponse(400, 'bad_request', `the ${D1_BOOKMARK_HEADER} header is not a D1 bookmark`)
  }
  // Without a bookmark (a client's first request) any replica may answer the first read. A sync
  // starts on the primary: a replica behind the client's cursor would not know that cursor.
  const sync = new URL(request.url).pathname === '/api/sync'
  const session = sync ? 'first-primary' : (bookmark ?? 'first-unconstrained')
  const storage = await createStorage<InventoryDB>({ adapters: d1Adapter({ database: env.DB, session }) })
  const answer = await handleApiRequest(request, { storage, apiToken: env.INVENTORY_API_TOKEN || undefined })
  const latest = d1Bookmark(storage)
  if (latest === null) return answer
  const response = new Response(answer.body, answer)
  response.headers.set(D1_BOOKMARK_HEADER, latest)
  return response
}

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status })
}
