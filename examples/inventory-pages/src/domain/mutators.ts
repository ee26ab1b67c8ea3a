import { defineMutators } from '@inventory/storage/sync'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { withinQuantityLimit } from './inventory.js'
import type { InventoryDB } from './schema.js'
import { adjustmentSchema, itemChangesSchema, MAX_QUANTITY, newItemSchema, parseInput } from './validation.js'

/**
 * The tables the offline-first mode replicates, parents before children: the same list for the
 * sync server and the browser's sync client.
 */
export const SYNCED_TABLES = ['items', 'movements'] as const

/** Where new item ids made in a browser are drawn from: see {@link newItemId}. */
export const CLIENT_ITEM_IDS = { min: 2 ** 32, max: 2 ** 48 } as const

const itemId = z.int('a whole number').min(1, 'a positive id').max(Number.MAX_SAFE_INTEGER, 'too large')
/**
 * When the user acted: the same timestamp is stored on the client and on the server. Exactly as
 * `Date.prototype.toISOString()` writes it, as the API stamps its own rows: times stored as text
 * compare in order only in one format, and any number of fraction digits would let a client store
 * megabytes in `created_at`.
 */
const at = z.iso.datetime({ precision: 3, message: 'an ISO 8601 time in UTC with milliseconds (toISOString())' })

const clientItemId = itemId.min(CLIENT_ITEM_IDS.min, 'an id made by newItemId()').max(CLIENT_ITEM_IDS.max, 'too large')
const createItemArgs = z.strictObject({ id: clientItemId, at, item: z.unknown() })
/** A movement as another database recorded it: copied as it is, under the item's new id. */
const copiedMovement = z.strictObject({
  delta: adjustmentSchema.shape.delta,
  reason: adjustmentSchema.shape.reason,
  quantity_after: z.int('a whole number').min(0, 'cannot be negative').max(MAX_QUANTITY, 'too large'),
  created_at: at,
})
/** At most this many movements travel with one copied item; the newest are kept (see `importItem`). */
export const MAX_COPIED_MOVEMENTS = 1000
const importItemArgs = z.strictObject({
  id: clientItemId,
  at,
  item: z.unknown(),
  movements: z.array(copiedMovement).max(MAX_COPIED_MOVEMENTS, `at most ${MAX_COPIED_MOVEMENTS} movements`),
})
const updateItemArgs = z.strictObject({ id: itemId, at, changes: z.unknown() })
const deleteItemArgs = z.strictObject({ id: itemId })
const adjustStockArgs = z.strictObject({ id: itemId, at, delta: z.unknown(), reason: z.unknown() })

/** Arguments of `createItem`: the item as `POST /api/items` takes it, and the id the client made for it. */
export interface CreateItemArgs {
  id: number
  at: string
  item: Record<string, unknown>
}
/** Arguments of `importItem`: an item of another database (the browser-only build's) with its history. */
export interface ImportItemArgs {
  id: number
  at: string
  item: Record<string, unknown>
  movements: { delta: number; reason: string; quantity_after: number; created_at: string }[]
}
export interface UpdateItemArgs {
  id: number
  at: string
  changes: Record<string, unknown>
}
export interface DeleteItemArgs {
  id: number
}
export interface AdjustStockArgs {
  id: number
  at: string
  delta: unknown
  reason: unknown
}

/**
 * The inventory's changes as sync mutators: the offline-first page runs them on its replica at once,
 * the server runs the same code on its database when they arrive (`POST /api/sync`). Each validates
 * its arguments with the API's schemas (a mutation from a hostile client is refused like a request
 * would be) and only writes: on D1 a mutator cannot read midway, so every rule is in SQL — the
 * schema's `CHECK (quantity >= 0)` refuses a sale larger than the stock, a taken SKU is the UNIQUE
 * constraint, and an adjustment of an item that is gone or beyond the quantity limit stores a
 * movement without `quantity_after`, which NOT NULL refuses.
 *
 * Items refer to each other by id, and a mutation made offline must name the row it created (sell
 * the item you just added): so `createItem` takes its id from the client ({@link newItemId}), and
 * both ends insert the same row. Movements are referred to by nothing: they take the database's
 * next id, and the client's optimistic copy is replaced by the server's at the next sync.
 */
export const inventoryMutators = defineMutators({
  async createItem(db: Kysely<InventoryDB>, args: CreateItemArgs): Promise<void> {
    const { id, at: time, item: input } = parseInput(createItemArgs, args)
    const item = parseInput(newItemSchema, input)
    await db
      .insertInto('items')
      .values({ ...item, id, created_at: time, updated_at: time })
      .execute()
    if (item.quantity > 0) {
      await db
        .insertInto('movements')
        .values({
          item_id: id,
          delta: item.quantity,
          reason: 'opening stock',
          quantity_after: item.quantity,
          created_at: time,
        })
        .execute()
    }
  },

  /**
   * An item copied from another database (the browser-only build's "Copy to a server"), with its
   * movements as they were recorded there, oldest first: a SKU the server has already is refused by
   * UNIQUE, and the copy of that item is reported, never merged into the server's item.
   */
  async importItem(db: Kysely<InventoryDB>, args: ImportItemArgs): Promise<void> {
    const { id, at: time, item: input, movements } = parseInput(importItemArgs, args)
    const item = parseInput(newItemSchema, input)
    await db
      .insertInto('items')
      .values({ ...item, id, created_at: time, updated_at: time })
      .execute()
    if (movements.length === 0) return
    await db
      .insertInto('movements')
      .values(movements.map((movement) => ({ ...movement, item_id: id })))
      .execute()
  },

  /** Changes any field but the quantity; an item deleted meanwhile stays deleted. */
  async updateItem(db: Kysely<InventoryDB>, args: UpdateItemArgs): Promise<void> {
    const { id, at: time, changes: input } = parseInput(updateItemArgs, args)
    const changes = parseInput(itemChangesSchema, input)
    if (Object.keys(changes).length === 0) return
    await db
      .updateTable('items')
      .set({ ...changes, updated_at: time })
      .where('id', '=', id)
      .execute()
  },

  /** Deletes the item and its history (the movements go with it: ON DELETE CASCADE). */
  async deleteItem(db: Kysely<InventoryDB>, args: DeleteItemArgs): Promise<void> {
    const { id } = parseInput(deleteItemArgs, args)
    await db.deleteFrom('items').where('id', '=', id).execute()
  },

  /**
   * Stock in or out, as `POST /api/items/:id/adjust`: the movement first, reading the quantity
   * before the change, then the quantity. Two devices each selling 1 of 5 leave 3, since each sale
   * subtracts from the quantity the server holds when it runs.
   */
  async adjustStock(db: Kysely<InventoryDB>, args: AdjustStockArgs): Promise<void> {
    const { id, at: time, ...input } = parseInput(adjustStockArgs, args)
    const { delta, reason } = parseInput(adjustmentSchema, input)
    await db
      .insertInto('movements')
      .values((eb) => ({
        item_id: id,
        delta,
        reason,
        // null (refused by NOT NULL) when the item is gone or would hold more than MAX_QUANTITY.
        quantity_after: eb
          .selectFrom('items')
          .select((eb) => eb('quantity', '+', delta).as('quantity_after'))
          .where('id', '=', id)
          .where(withinQuantityLimit(delta)),
        created_at: time,
      }))
      .execute()
    await db
      .updateTable('items')
      .set((eb) => ({ quantity: eb('quantity', '+', delta), updated_at: time }))
      .where('id', '=', id)
      .execute()
  },
})

export type InventoryMutators = typeof inventoryMutators

/**
 * A new item's id, made in the browser so that an item created offline is the same row on the
 * client and on the server: random in [2^32, 2^48), far from the ids the server counts up from 1
 * and far below the 2^53 a JavaScript number holds exactly (the server's next own id continues
 * after the largest one). Two clients drawing the same id is unlikely (about 1 in 2^48 per pair);
 * the second `createItem` is then refused by the primary key and reported, like a taken SKU.
 */
export function newItemId(): number {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2))
  const span = CLIENT_ITEM_IDS.max - CLIENT_ITEM_IDS.min
  return CLIENT_ITEM_IDS.min + ((high % (span / 2 ** 32)) * 2 ** 32 + low)
}
