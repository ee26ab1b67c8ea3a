import { type Kysely, sql } from 'kysely'
import type { InventoryDB } from './schema.js'
import type { NewItem } from './validation.js'

/**
 * Statements that write many items at once. The items travel as ONE JSON parameter read with
 * SQLite's `json_each`, so a statement stays within D1's 100 bound parameters and a large import
 * is a handful of statements instead of two per row.
 */

/** One element of `items`, as the row `row` of `json_each(items)`. */
const rowsOf = (items: readonly NewItem[]) => sql<{ value: string }>`json_each(${JSON.stringify(items)})`.as('row')
/** A field of the current `row`. */
const field = <T>(name: keyof NewItem) => sql<T>`json_extract(row.value, ${sql.lit(`$.${name}`)})`
const sameSku = sql<boolean>`items.sku = json_extract(row.value, '$.sku')`

/**
 * Inserts `items` as new items. With `onlyIntoEmpty`, inserts nothing when the table already
 * holds an item, which makes seeding safe to run from several servers at once.
 */
export function insertItems(
  db: Kysely<InventoryDB>,
  items: readonly NewItem[],
  at: string,
  options: { onlyIntoEmpty?: boolean } = {},
) {
  return db
    .insertInto('items')
    .columns([
      'sku',
      'name',
      'quantity',
      'location',
      'category',
      'reorder_level',
      'unit_cost',
      'created_at',
      'updated_at',
    ])
    .expression((eb) => {
      const query = eb
        .selectFrom(rowsOf(items))
        .select([
          field<string>('sku').as('sku'),
          field<string>('name').as('name'),
          field<number>('quantity').as('quantity'),
          field<string>('location').as('location'),
          field<string>('category').as('category'),
          field<number>('reorder_level').as('reorder_level'),
          field<number>('unit_cost').as('unit_cost'),
          sql.val(at).as('created_at'),
          sql.val(at).as('updated_at'),
        ])
      return options.onlyIntoEmpty
        ? query.where(({ exists, not, selectFrom }) => not(exists(selectFrom('items').select('id'))))
        : query
    })
}

/**
 * Records the opening stock of `items` inserted at `at`, once: an item that already has a
 * movement (inserted by another server seeding at the same moment) gets none.
 */
export function insertOpeningMovements(db: Kysely<InventoryDB>, items: readonly NewItem[], at: string, reason: string) {
  return db
    .insertInto('movements')
    .columns(['item_id', 'delta', 'reason', 'quantity_after', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('items')
        .innerJoin(rowsOf(items), (join) => join.on(sameSku))
        .select([
          'items.id',
          'items.quantity',
          sql.val(reason).as('reason'),
          'items.quantity',
          sql.val(at).as('created_at'),
        ])
        .where('items.created_at', '=', at)
        .where('items.quantity', '>', 0)
        .where(({ exists, not, selectFrom }) =>
          not(exists(selectFrom('movements').select('movements.id').whereRef('movements.item_id', '=', 'items.id'))),
        ),
    )
}

/** Records, for each of `items` whose quantity differs from the stored one, the change as a movement. */
export function insertQuantityChanges(db: Kysely<InventoryDB>, items: readonly NewItem[], at: string, reason: string) {
  return db
    .insertInto('movements')
    .columns(['item_id', 'delta', 'reason', 'quantity_after', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('items')
        .innerJoin(rowsOf(items), (join) => join.on(sameSku))
        .select([
          'items.id',
          sql<number>`${field('quantity')} - items.quantity`.as('delta'),
          sql.val(reason).as('reason'),
          field<number>('quantity').as('quantity_after'),
          sql.val(at).as('created_at'),
        ])
        .where(sql<boolean>`items.quantity != ${field('quantity')}`),
    )
}

/** Sets every field of the stored items with the SKUs of `items` to the values in `items`. */
export function updateItems(db: Kysely<InventoryDB>, items: readonly NewItem[], at: string) {
  return db
    .updateTable('items')
    .from(rowsOf(items))
    .set({
      name: field('name'),
      quantity: field('quantity'),
      location: field('location'),
      category: field('category'),
      reorder_level: field('reorder_level'),
      unit_cost: field('unit_cost'),
      updated_at: at,
    })
    .where(sameSku)
}
