// The inventory API in a Worker, each inventory in a Durable Object of its own: an alternative to
// Pages Functions on D1. The object keeps the inventory in its SQLite storage (the durable-object
// adapter), so the API's imports run as interactive transactions.
import { DurableObject } from 'cloudflare:workers'
import { createStorage, type StorageProvider } from '@inventory/storage'
import { durableObjectAdapter, type DurableObjectStorage } from '@inventory/storage/durable-object'
import { handleApiRequest } from '../src/api/handle-api-request.js'
import { migrations } from '../src/domain/migrations.js'
import type { InventoryDB } from '../src/domain/schema.js'

/** The bindings this Worker reads: see wrangler.toml. */
interface Env {
  INVENTORY: { idFromName(name: string): unknown; get(id: unknown): { fetch(request: Request): Promise<Response> } }
  /** When set (as a secret), writes need `Authorization: Bearer <token>`. */
  INVENTORY_API_TOKEN?: string
}

/** One inventory: its items and movements in the object's SQLite database. */
export class Inventory extends DurableObject<Env> {
  #storage: Promise<StorageProvider<InventoryDB>> | undefined

  override async fetch(request: Request): Promise<Response> {
    this.#storage ??= this.#open()
    const storage = await this.#storage.catch((error: unknown) => {
      this.#storage = undefined
      throw error
    })
    return handleApiRequest(request, { storage, apiToken: this.env.INVENTORY_API_TOKEN || undefined })
  }

  async #open(): Promise<StorageProvider<InventoryDB>> {
    const storage = await createStorage<InventoryDB>({
      adapters: durableObjectAdapter({ storage: this.ctx.storage as DurableObjectStorage }),
    })
    await storage.migrate(migrations)
    return storage
  }
}

/** Names the inventory a request is for: the `inventory` query parameter, `main` by default. */
function inventoryName(request: Request): string {
  return new URL(request.url).searchParams.get('inventory') || 'main'
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // The object answers some requests (a missing token, an oversized body) without reading their
    // body: hand it the body read already, so the connection to the client stays sound.
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
    const stub = env.INVENTORY.get(env.INVENTORY.idFromName(inventoryName(request)))
    return stub.fetch(new Request(request, { body }))
  },
}
