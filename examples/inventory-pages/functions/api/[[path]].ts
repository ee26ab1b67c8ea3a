// Every request under /api on Cloudflare Pages: the site's API handler on the D1 binding `DB`.
import { createStorage } from '@inventory/storage'
import { type D1Database, d1Adapter } from '@inventory/storage/d1'
import { handleApiRequest } from '../../src/api/handle-api-request.js'
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
    return Response.json(
      { error: { code: 'internal', message: 'no D1 database is bound as DB; see the deploy guide in the README' } },
      { status: 503 },
    )
  }
  const storage = await createStorage<InventoryDB>({ adapters: d1Adapter({ database: env.DB }) })
  return handleApiRequest(request, { storage, apiToken: env.INVENTORY_API_TOKEN || undefined })
}
