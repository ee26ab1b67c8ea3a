import {
  CheckConstraintError,
  createStorage,
  NotNullConstraintError,
  type StorageError,
  type StorageProvider,
  UniqueConstraintError,
} from '@inventory/storage'
import { autoAdapters } from '@inventory/storage/auto'
import { createSyncClient, type RejectedMutation, type SyncClient, type SyncStatus } from '@inventory/storage/sync'
import { getItem, listItems, listMovements, overview } from '../domain/inventory.js'
import { exportCsv } from '../domain/inventory-csv.js'
import { InventoryError } from '../domain/inventory-error.js'
import { migrations } from '../domain/migrations.js'
import { type InventoryMutators, inventoryMutators, newItemId, SYNCED_TABLES } from '../domain/mutators.js'
import type { InventoryDB } from '../domain/schema.js'
import { adjustmentSchema, itemChangesSchema, newItemSchema, parseInput } from '../domain/validation.js'
import {
  type ApiInventoryClient,
  type InventoryClient,
  InventoryRequestError,
  type ItemQuery,
} from './inventory-client.js'
import { liveInventory } from './live-inventory.js'
import type { OpenedInventory } from './open-inventory.js'

/** The sync client's state, and what the page shows of it. */
export interface OfflineFirstSync {
  readonly status: SyncStatus
  onStatus(listener: (status: SyncStatus) => void): () => void
  /** Calls `listener` with a sentence for each change the server refused. */
  onRejected(listener: (message: string) => void): () => void
  /** Syncs now; asks for the token again if the user closed its dialog before. */
  sync(): Promise<SyncStatus>
}

/**
 * The offline-first build: a replica of the server's items and movements in this browser
 * (IndexedDB, else localStorage), kept in step with `POST /api/sync`. The page reads the replica
 * (live queries), so it works without a connection; changes are the inventory's mutators, applied
 * to the replica at once and sent to the server when it can be reached. CSV imports and backups
 * are whole-database operations the server does: they need the connection, and the replica picks
 * up their result at the next sync.
 *
 * @param server - the API client for what only the server does
 * @param token - the write token to send, if the server wants one; `renew` after a 401
 */
export async function openOfflineFirstInventory(
  server: ApiInventoryClient,
  token: (renew: boolean) => Promise<string | null>,
): Promise<OpenedInventory & { sync: OfflineFirstSync }> {
  // Not the browser-only build's database: that one is its own inventory, this one a replica.
  const storage = await createStorage<InventoryDB>({ adapters: autoAdapters({ name: 'inventory-replica' }) })
  await storage.migrate(migrations)
  // The token: asked for again at once when the server refuses the one sent; not asked for again
  // by itself once the user closed the dialog (or none is needed) until a click on the sync state.
  let renewToken = false
  let declined = false
  const client = createSyncClient({
    storage,
    mutators: inventoryMutators,
    endpoint: new URL('/api/sync', location.origin),
    tables: SYNCED_TABLES,
    async headers(): Promise<Record<string, string>> {
      if (declined) return {}
      const renew = renewToken
      renewToken = false
      const given = await token(renew)
      if (given === null) declined = true
      return given ? { authorization: `Bearer ${given}` } : {}
    },
  })
  client.onStatus((status) => {
    if (declined || status.state !== 'error' || !/ \(401\)/.test(status.error?.message ?? '')) return
    renewToken = true
    setTimeout(() => void client.sync())
  })
  const sync: OfflineFirstSync = {
    get status() {
      return client.status
    },
    onStatus: (listener) => client.onStatus(listener),
    onRejected: (listener) => client.onRejected((rejected) => listener(describeRejection(rejected))),
    sync() {
      if (declined) {
        declined = false
        renewToken = true
      }
      return client.sync()
    },
  }
  // Every 10 s, when the browser comes back online, and after each change.
  client.start({ intervalMs: 10_000 })
  return {
    client: new OfflineFirstInventoryClient(storage, client, server),
    live: liveInventory(storage),
    sync,
  }
}

/** The inventory as the UI sees it, on the replica: reads are local, changes are mutations. */
class OfflineFirstInventoryClient implements InventoryClient {
  readonly description: string
  readonly #storage: StorageProvider<InventoryDB>
  readonly #sync: SyncClient<InventoryMutators>
  readonly #server: ApiInventoryClient

  constructor(storage: StorageProvider<InventoryDB>, sync: SyncClient<InventoryMutators>, server: ApiInventoryClient) {
    this.description = `Offline-first · ${storage.adapter}`
    this.#storage = storage
    this.#sync = sync
    this.#server = server
  }

  listItems(query: ItemQuery) {
    return local(async () => {
      const { db } = this.#storage
      const [items, summary] = await Promise.all([listItems(db, query), overview(db)])
      return { items, overview: summary }
    })
  }
  getItem(id: number) {
    return local(async () => {
      const { db } = this.#storage
      return { item: await getItem(db, id), movements: await listMovements(db, { item_id: id, limit: 100 }) }
    })
  }
  createItem(input: Record<string, unknown>) {
    return local(async () => {
      // Checked here first, so the form shows each field's error; the mutator checks again on the server.
      parseInput(newItemSchema, input)
      const id = newItemId()
      await this.#sync.mutate.createItem({ id, at: now(), item: input })
      return getItem(this.#storage.db, id)
    })
  }
  updateItem(id: number, input: Record<string, unknown>) {
    return local(async () => {
      parseInput(itemChangesSchema, input)
      await getItem(this.#storage.db, id)
      await this.#sync.mutate.updateItem({ id, at: now(), changes: input })
      return getItem(this.#storage.db, id)
    })
  }
  deleteItem(id: number) {
    return local(async () => {
      await getItem(this.#storage.db, id)
      await this.#sync.mutate.deleteItem({ id })
    })
  }
  adjustStock(id: number, input: { delta: unknown; reason: unknown }) {
    return local(async () => {
      parseInput(adjustmentSchema, { delta: input.delta, reason: input.reason })
      const before = await getItem(this.#storage.db, id)
      try {
        await this.#sync.mutate.adjustStock({ id, at: now(), delta: input.delta, reason: input.reason })
      } catch (error) {
        // As the API says it; the quantity is the replica's, which the server may see differently.
        if (!(error instanceof CheckConstraintError)) throw error
        const current = await getItem(this.#storage.db, id)
        throw new InventoryError('conflict', `only ${current.quantity} of ${current.sku} in stock`, {
          fields: { delta: `only ${current.quantity} in stock` },
        })
      }
      const [movement] = await listMovements(this.#storage.db, { item_id: id, limit: 1 })
      if (!movement) throw new InventoryError('not_found', `no movement of ${before.sku} was recorded`)
      return { item: await getItem(this.#storage.db, id), movement }
    })
  }
  listMovements(limit: number) {
    return local(() => listMovements(this.#storage.db, { limit }))
  }
  exportCsv() {
    return local(() => exportCsv(this.#storage.db))
  }
  previewImport(csv: string) {
    return this.#server.previewImport(csv)
  }
  async applyImport(csv: string) {
    const result = await this.#server.applyImport(csv)
    await this.#sync.sync()
    return result
  }
  downloadBackup() {
    return this.#server.downloadBackup()
  }
  async restoreBackup(file: Blob) {
    const result = await this.#server.restoreBackup(file)
    await this.#sync.sync()
    return result
  }
}

const now = () => new Date().toISOString()

/**
 * Runs a read or a change on the replica, turning the inventory's and the database's errors into
 * the {@link InventoryRequestError}s the forms show, with the status and fields the API would give.
 */
async function local<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof InventoryError) {
      const status = { invalid_input: 400, not_found: 404, conflict: 409, too_large: 413 }[error.kind]
      throw new InventoryRequestError(status, error.message, error.fields, error.rows)
    }
    if (error instanceof UniqueConstraintError && error.columns.includes('sku'))
      throw new InventoryRequestError(409, 'an item with this SKU already exists', {
        sku: 'already used by another item',
      })
    if (error instanceof NotNullConstraintError && error.columns.includes('quantity_after'))
      throw new InventoryRequestError(409, 'the item is gone, or would hold more than it may', {
        delta: 'not possible on this item',
      })
    throw error
  }
}

const ACTIONS: Readonly<Record<string, string>> = {
  createItem: 'adding an item',
  updateItem: 'changing an item',
  deleteItem: 'deleting an item',
  adjustStock: 'a stock movement',
}

/** A sentence for the user about a change the server refused, which the page no longer shows. */
export function describeRejection({ name, args, error }: RejectedMutation): string {
  const action = ACTIONS[name] ?? name
  const what = describeArgs(name, args)
  return `The server refused ${action}${what}: ${reason(error)}. It has been undone.`
}

function describeArgs(name: string, args: unknown): string {
  const given = (args ?? {}) as { delta?: unknown; reason?: unknown; item?: { sku?: unknown } }
  if (name === 'adjustStock' && typeof given.delta === 'number') return ` (${given.delta}, ${String(given.reason)})`
  if (name === 'createItem' && typeof given.item?.sku === 'string') return ` (${given.item.sku})`
  return ''
}

function reason(error: StorageError): string {
  if (error instanceof CheckConstraintError) return 'not enough in stock'
  if (error instanceof UniqueConstraintError)
    return error.columns.includes('sku') ? 'the SKU is taken' : 'the id is taken; add it again'
  if (error instanceof NotNullConstraintError) return 'the item is gone, or would hold more than it may'
  return error.message
}
