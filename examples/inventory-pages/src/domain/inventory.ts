import { CheckConstraintError, type StorageProvider, UniqueConstraintError } from '@inventory/storage'
import { type Compilable, type ExpressionBuilder, type Kysely, type QueryResult, sql } from 'kysely'
import { insertItems, insertOpeningMovements } from './bulk-item-queries.js'
import { guardedWrite } from './guarded-write.js'
import { InventoryError } from './inventory-error.js'
import { sampleItems } from './sample-items.js'
import type { InventoryDB, Item, Movement, MovementWithItem } from './schema.js'
import {
  type Adjustment,
  adjustmentSchema,
  type ItemChanges,
  type ItemFilter,
  itemChangesSchema,
  itemFilterSchema,
  MAX_QUANTITY,
  type MovementFilter,
  movementFilterSchema,
  type NewItem,
  newItemSchema,
  parseInput,
} from './validation.js'

type Storage = StorageProvider<InventoryDB>

/** Totals over the whole inventory, and the values the filters can take. */
export interface Overview {
  readonly categories: string[]
  readonly locations: string[]
  readonly item_count: number
  readonly unit_count: number
  readonly low_stock_count: number
  readonly stock_value: number
}

const now = () => new Date().toISOString()

/** Items matching the filter, by name. `input` is validated, so it may come straight from a query string. */
export async function listItems(db: Kysely<InventoryDB>, input: unknown = {}): Promise<Item[]> {
  return itemListQuery(db, input).execute()
}

/** The query {@link listItems} runs, for a live query of it. */
export function itemListQuery(db: Kysely<InventoryDB>, input: unknown = {}) {
  const filter: ItemFilter = parseInput(itemFilterSchema, input)
  let query = db.selectFrom('items').selectAll()
  if (filter.q) {
    // SQLite's lower() folds A-Z only; folding more here would make "Ölfilter" miss "Ölfilter".
    const needle = filter.q.replace(/[A-Z]/g, (letter) => letter.toLowerCase())
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('instr', [eb.fn('lower', ['name']), eb.val(needle)]), '>', 0),
        eb(eb.fn('instr', [eb.fn('lower', ['sku']), eb.val(needle)]), '>', 0),
      ]),
    )
  }
  if (filter.category) query = query.where('category', '=', filter.category)
  if (filter.location) query = query.where('location', '=', filter.location)
  if (filter.low_stock === 'true') query = query.whereRef('quantity', '<=', 'reorder_level')
  return query.orderBy('name').orderBy('sku')
}

export async function overview(db: Kysely<InventoryDB>): Promise<Overview> {
  const queries = overviewQueries(db)
  const [totals, categories, locations] = await Promise.all([
    queries.totals.executeTakeFirstOrThrow(),
    queries.categories.execute(),
    queries.locations.execute(),
  ])
  return toOverview(totals, categories, locations)
}

/** The three queries {@link overview} runs, for live queries of them; {@link toOverview} joins their rows. */
export function overviewQueries(db: Kysely<InventoryDB>) {
  return {
    totals: db
      .selectFrom('items')
      .select((eb) => [
        eb.fn.countAll<number>().as('item_count'),
        sql<number>`coalesce(sum(quantity), 0)`.as('unit_count'),
        sql<number>`coalesce(sum(quantity <= reorder_level), 0)`.as('low_stock_count'),
        sql<number>`coalesce(round(sum(quantity * unit_cost), 2), 0)`.as('stock_value'),
      ]),
    categories: db.selectFrom('items').select('category').distinct().where('category', '!=', '').orderBy('category'),
    locations: db.selectFrom('items').select('location').distinct().where('location', '!=', '').orderBy('location'),
  }
}

/** The {@link Overview} of the rows of {@link overviewQueries}. */
export function toOverview(
  totals: { item_count: number; unit_count: number; low_stock_count: number; stock_value: number },
  categories: readonly { category: string }[],
  locations: readonly { location: string }[],
): Overview {
  return {
    categories: categories.map((row) => row.category),
    locations: locations.map((row) => row.location),
    item_count: Number(totals.item_count),
    unit_count: Number(totals.unit_count),
    low_stock_count: Number(totals.low_stock_count),
    stock_value: Number(totals.stock_value),
  }
}

export async function getItem(db: Kysely<InventoryDB>, id: number): Promise<Item> {
  const item = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst()
  if (!item) throw new InventoryError('not_found', `no item with id ${id}`, { fields: { id: 'no such item' } })
  return item
}

/** Creates an item; its opening stock is recorded as the first movement, in the same batch. */
export async function createItem(storage: Storage, input: unknown): Promise<Item> {
  const item = parseInput(newItemSchema, input)
  await guardedWrite(() => storage.batch(insertItemQueries(storage.db, item, now(), 'opening stock')))
  return storage.db.selectFrom('items').selectAll().where('sku', '=', item.sku).executeTakeFirstOrThrow()
}

export async function updateItem(storage: Storage, id: number, input: unknown): Promise<Item> {
  const changes: ItemChanges = parseInput(itemChangesSchema, input)
  await getItem(storage.db, id)
  if (Object.keys(changes).length > 0) {
    await guardedWrite(() =>
      storage.db
        .updateTable('items')
        .set({ ...changes, updated_at: now() })
        .where('id', '=', id)
        .execute(),
    )
  }
  return getItem(storage.db, id)
}

/** Deletes an item and its movement history. */
export async function deleteItem(storage: Storage, id: number): Promise<void> {
  const result = await storage.db.deleteFrom('items').where('id', '=', id).executeTakeFirst()
  if (result.numDeletedRows === 0n)
    throw new InventoryError('not_found', `no item with id ${id}`, { fields: { id: 'no such item' } })
}

/**
 * Changes an item's quantity and records the movement, atomically: both happen or neither does.
 * Taking out more than is in stock is refused by the schema's check, so two concurrent sales
 * can never take the quantity below zero; adding beyond {@link MAX_QUANTITY} is refused too, so
 * an exported file always imports again. The answer is the movement and the quantity this
 * adjustment wrote, whatever other adjustments ran at the same time.
 *
 * With a `request_id`, the adjustment is recorded once however often it is sent: a client that
 * lost the answer sends it again and gets the movement first recorded (with the item as it is
 * now); the same id with another item, delta or reason is a conflict.
 */
export async function adjustStock(
  storage: Storage,
  id: number,
  input: unknown,
): Promise<{ item: Item; movement: Movement }> {
  const { delta, reason, request_id: requestId }: Adjustment = parseInput(adjustmentSchema, input)
  const { db } = storage
  const sentAgain = () =>
    requestId === undefined ? undefined : recordedAdjustment(db, requestId, { id, delta, reason })
  const recorded = await sentAgain()
  if (recorded) return recorded
  const at = now()
  const withinLimit = withinQuantityLimit(delta)
  let written: QueryResult<unknown>[]
  try {
    written = await storage.batch([
      // The movement first: it reads the quantity before the change, within the same atomic batch.
      db
        .insertInto('movements')
        .columns(['item_id', 'delta', 'reason', 'quantity_after', 'created_at', 'request_id'])
        .expression((eb) =>
          eb
            .selectFrom('items')
            .select((eb) => [
              'id',
              sql.val(delta).as('delta'),
              sql.val(reason).as('reason'),
              eb('quantity', '+', delta).as('quantity_after'),
              sql.val(at).as('created_at'),
              sql.val(requestId ?? null).as('request_id'),
            ])
            .where('id', '=', id)
            .where(withinLimit),
        )
        .returningAll(),
      db
        .updateTable('items')
        .set((eb) => ({ quantity: eb('quantity', '+', delta), updated_at: at }))
        .where('id', '=', id)
        .where(withinLimit)
        .returningAll(),
    ])
  } catch (error) {
    // The same request sent twice at once: the other copy was recorded first.
    const recordedMeanwhile = error instanceof UniqueConstraintError ? await sentAgain() : undefined
    if (recordedMeanwhile) return recordedMeanwhile
    if (!(error instanceof CheckConstraintError)) throw error
    const current = await getItem(db, id)
    throw new InventoryError('conflict', `only ${current.quantity} of ${current.sku} in stock`, {
      fields: { delta: `only ${current.quantity} in stock` },
    })
  }
  const [movement] = (written[0]?.rows ?? []) as Movement[]
  const [item] = (written[1]?.rows ?? []) as Item[]
  if (item && movement) return { item, movement }
  const current = await getItem(db, id)
  const limit = MAX_QUANTITY.toLocaleString('en-US')
  throw new InventoryError('conflict', `${current.sku} cannot hold more than ${limit} units`, {
    fields: { delta: `at most ${MAX_QUANTITY - current.quantity} more: an item holds at most ${limit}` },
  })
}

/** The condition an item meets when `delta` keeps it within {@link MAX_QUANTITY}; stock below zero is the schema's CHECK. */
export function withinQuantityLimit(delta: number) {
  return (eb: ExpressionBuilder<InventoryDB, 'items'>) => eb(eb('quantity', '+', delta), '<=', MAX_QUANTITY)
}

/**
 * The adjustment already recorded under `requestId`, as {@link adjustStock} answers it, or
 * `undefined` when none is; a conflict when the id was used for a different adjustment.
 */
async function recordedAdjustment(
  db: Kysely<InventoryDB>,
  requestId: string,
  wanted: { id: number; delta: number; reason: string },
): Promise<{ item: Item; movement: Movement } | undefined> {
  const movement = await db.selectFrom('movements').selectAll().where('request_id', '=', requestId).executeTakeFirst()
  if (!movement) return undefined
  if (movement.item_id !== wanted.id || movement.delta !== wanted.delta || movement.reason !== wanted.reason) {
    throw new InventoryError('conflict', `request_id ${requestId} was already used for another adjustment`, {
      fields: { request_id: 'already used for another adjustment' },
    })
  }
  return { item: await getItem(db, wanted.id), movement }
}

/** Latest movements first, of one item or of all. */
export async function listMovements(db: Kysely<InventoryDB>, input: unknown = {}): Promise<MovementWithItem[]> {
  return movementListQuery(db, input).execute()
}

/** The query {@link listMovements} runs, for a live query of it. */
export function movementListQuery(db: Kysely<InventoryDB>, input: unknown = {}) {
  const filter: MovementFilter = parseInput(movementFilterSchema, input)
  let query = db
    .selectFrom('movements')
    .innerJoin('items', 'items.id', 'movements.item_id')
    .selectAll('movements')
    .select(['items.sku', 'items.name'])
  if (filter.item_id !== undefined) query = query.where('movements.item_id', '=', filter.item_id)
  return query.orderBy('movements.id', 'desc').limit(filter.limit)
}

/**
 * Fills an empty inventory with the sample items; an inventory with any item is left alone. Safe
 * when several servers start on a new database at once: the check and the writes are one atomic
 * batch, so exactly one of them seeds and the others find the items there.
 *
 * @returns whether this call added the sample items
 */
export async function seedSampleItems(storage: Storage): Promise<boolean> {
  const at = now()
  const [inserted] = await storage.batch([
    insertItems(storage.db, sampleItems, at, { onlyIntoEmpty: true }),
    insertOpeningMovements(storage.db, sampleItems, at, 'opening stock'),
  ])
  return (inserted?.numAffectedRows ?? 0n) > 0n
}

function insertItemQueries(db: Kysely<InventoryDB>, item: NewItem, at: string, reason: string): Compilable[] {
  const queries: Compilable[] = [db.insertInto('items').values({ ...item, created_at: at, updated_at: at })]
  if (item.quantity > 0) {
    queries.push(
      db.insertInto('movements').values((eb) => ({
        item_id: eb.selectFrom('items').select('id').where('sku', '=', item.sku),
        delta: item.quantity,
        reason,
        quantity_after: item.quantity,
        created_at: at,
      })),
    )
  }
  return queries
}
