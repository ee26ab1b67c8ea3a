import { createStorage, type StorageProvider, UniqueConstraintError } from '@inventory/storage'
import { localStorageAdapter } from '@inventory/storage/local-storage'
import { createSyncClient, type RejectedMutation } from '@inventory/storage/sync'
import { migrations } from '../domain/migrations.js'
import { inventoryMutators, MAX_COPIED_MOVEMENTS, newItemId, SYNCED_TABLES } from '../domain/mutators.js'
import type { InventoryDB } from '../domain/schema.js'
import { newItemSchema } from '../domain/validation.js'

/** Where to copy: the server's address and its write token. */
export interface CopyTarget {
  readonly url: string
  readonly token: string
}

/** What a copy did. */
export interface CopyReport {
  /** SKUs of the items the server now has. */
  readonly copied: string[]
  /** Items the server refused, and why (a SKU it has already). */
  readonly refused: { sku: string; reason: string }[]
}

/** Why a copy could not be made; nothing, or only part of the items (see the message), reached the server. */
export class CopyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CopyError'
  }
}

/**
 * Copies this browser's inventory (the browser-only build's database) to a server's inventory,
 * items and their movement history, through the server's sync endpoint: one `importItem` mutation
 * per item, pushed by a sync client whose outbox lives in a throwaway in-memory database, so this
 * browser's own database is only read. An item whose SKU the server has already is refused and
 * listed, never merged; the others are copied under new ids. Running it again copies nothing
 * twice: the items copied the first time are refused by their SKU then.
 *
 * The server is another site: it must allow the request (CORS), which the example's API does for
 * `POST /api/sync` with its bearer token (see the README).
 */
export async function copyToServer(storage: StorageProvider<InventoryDB>, target: CopyTarget): Promise<CopyReport> {
  const endpoint = syncEndpoint(target.url)
  const items = await storage.db.selectFrom('items').selectAll().orderBy('id').execute()
  const outbox = await createStorage<InventoryDB>({
    adapters: localStorageAdapter({ name: `inventory-copy-${newItemId()}`, storage: new MemoryStorage() }),
  })
  try {
    await outbox.migrate(migrations)
    const client = createSyncClient({
      storage: outbox,
      mutators: inventoryMutators,
      endpoint,
      tables: SYNCED_TABLES,
      headers: () => ({ authorization: `Bearer ${target.token}` }),
    })
    const rejected: RejectedMutation[] = []
    client.onRejected((rejection) => rejected.push(rejection))
    const at = new Date().toISOString()
    for (const item of items) {
      const movements = await storage.db
        .selectFrom('movements')
        .select(['delta', 'reason', 'quantity_after', 'created_at'])
        .where('item_id', '=', item.id)
        .orderBy('id', 'desc')
        .limit(MAX_COPIED_MOVEMENTS)
        .execute()
      const fields = Object.keys(newItemSchema.shape) as (keyof typeof newItemSchema.shape)[]
      await client.mutate.importItem({
        id: newItemId(),
        at,
        item: Object.fromEntries(fields.map((field) => [field, item[field]])),
        movements: movements.reverse(),
      })
    }
    const status = await client.sync()
    if (status.state === 'offline') {
      throw new CopyError(
        `${endpoint.origin} could not be reached, or refused this site's request: check the address, and that the server has a write token (INVENTORY_API_TOKEN), without which it accepts no copy from another site`,
      )
    }
    if (status.state === 'error') {
      // The library names itself and the adapter first; the user needs the server's words only.
      const reason = (status.error?.message ?? 'no reason given').replace(/^\[@inventory\/storage\] \[[^\]]*\] /, '')
      const copied = items.length - status.pending - rejected.length
      throw new CopyError(
        `the server refused the copy (${reason})${copied > 0 ? `; ${copied} items were copied before` : ''}`,
      )
    }
    const refusedIds = new Set(rejected.map((rejection) => (rejection.args as { item: { sku: string } }).item.sku))
    return {
      copied: items.map((item) => item.sku).filter((sku) => !refusedIds.has(sku)),
      refused: rejected.map((rejection) => ({
        sku: (rejection.args as { item: { sku: string } }).item.sku,
        reason:
          rejection.error instanceof UniqueConstraintError && rejection.error.columns.includes('sku')
            ? 'the server has an item with this SKU'
            : rejection.error.message,
      })),
    }
  } finally {
    await outbox.close()
  }
}

/** The sync endpoint of the server at `url` (an http or https address, with or without a path). */
function syncEndpoint(url: string): URL {
  let base: URL
  try {
    base = new URL(url.trim())
  } catch {
    throw new CopyError('the address is not a URL: write it like https://inventory.example.com')
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new CopyError('the address must start with https:// (or http:// for this machine)')
  return new URL('/api/sync', base)
}

/** A `Storage` in memory, for the copy's throwaway outbox database: nothing of it is kept. */
class MemoryStorage implements Storage {
  readonly #values = new Map<string, string>()
  get length(): number {
    return this.#values.size
  }
  key(index: number): string | null {
    return [...this.#values.keys()][index] ?? null
  }
  getItem(key: string): string | null {
    return this.#values.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.#values.set(key, String(value))
  }
  removeItem(key: string): void {
    this.#values.delete(key)
  }
  clear(): void {
    this.#values.clear()
  }
  [name: string]: unknown
}
