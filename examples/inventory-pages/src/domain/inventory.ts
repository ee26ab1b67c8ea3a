import { CheckConstraintError, type StorageProvider, UniqueConstraintError } from '@inventory/storage'
import { type Compilable, type Kysely, sql } from 'kysely'
import { CSV_COLUMNS, formatCsv, parseCsv } from './csv.js'
import { InventoryError, type RowErrors } from './inventory-error.js'
import { sampleItems } from './sample-items.js'
import type { InventoryDB, Item, Movement, MovementWithItem } from './schema.js'
import {
  type Adjustment,
  adjustmentSchema,
  fieldErrors,
  type ItemChanges,
  type ItemFilter,
  itemChangesSchema,
  itemFilterSchema,
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

/** What an import would do, row by row; nothing is written by a preview. */
export interface ImportPreview {
  readonly rows: ImportRow[]
  readonly create_count: number
  readonly update_count: number
  readonly error_count: number
}

export interface ImportRow {
  readonly line: number
  readonly sku: string
  /** `create` a new item, `update` the item with this SKU, or `error` (see `errors`). */
  readonly action: 'create' | 'update' | 'error'
  readonly item: NewItem | null
  readonly errors: Readonly<Record<string, string>>
}

const now = () => new Date().toISOString()

/** Items matching the filter, by name. `input` is validated, so it may come straight from a query string. */
export async function listItems(db: Kysely<InventoryDB>, input: unknown = {}): Promise<Item[]> {
  const filter: ItemFilter = parseInput(itemFilterSchema, input)
  let query = db.selectFrom('items').selectAll()
  if (filter.q) {
    const needle = filter.q.toLowerCase()
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
  return query.orderBy('name').orderBy('sku').execute()
}

export async function overview(db: Kysely<InventoryDB>): Promise<Overview> {
  const [totals, categories, locations] = await Promise.all([
    db
      .selectFrom('items')
      .select((eb) => [
        eb.fn.countAll<number>().as('item_count'),
        sql<number>`coalesce(sum(quantity), 0)`.as('unit_count'),
        sql<number>`coalesce(sum(quantity <= reorder_level), 0)`.as('low_stock_count'),
        sql<number>`coalesce(round(sum(quantity * unit_cost), 2), 0)`.as('stock_value'),
      ])
      .executeTakeFirstOrThrow(),
    db.selectFrom('items').select('category').distinct().where('category', '!=', '').orderBy('category').execute(),
    db.selectFrom('items').select('location').distinct().where('location', '!=', '').orderBy('location').execute(),
  ])
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
  await runGuarded(() => storage.batch(insertItemQueries(storage.db, item, now(), 'opening stock')))
  return storage.db.selectFrom('items').selectAll().where('sku', '=', item.sku).executeTakeFirstOrThrow()
}

export async function updateItem(storage: Storage, id: number, input: unknown): Promise<Item> {
  const changes: ItemChanges = parseInput(itemChangesSchema, input)
  await getItem(storage.db, id)
  if (Object.keys(changes).length > 0) {
    await runGuarded(() =>
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
 * can never take the quantity below zero.
 */
export async function adjustStock(
  storage: Storage,
  id: number,
  input: unknown,
): Promise<{ item: Item; movement: Movement }> {
  const { delta, reason }: Adjustment = parseInput(adjustmentSchema, input)
  const { db } = storage
  const before = await getItem(db, id)
  const at = now()
  try {
    await storage.batch([
      db
        .updateTable('items')
        .set((eb) => ({ quantity: eb('quantity', '+', delta), updated_at: at }))
        .where('id', '=', id),
      db.insertInto('movements').values((eb) => ({
        item_id: id,
        delta,
        reason,
        quantity_after: eb.selectFrom('items').select('quantity').where('id', '=', id),
        created_at: at,
      })),
    ])
  } catch (error) {
    if (error instanceof CheckConstraintError) {
      throw new InventoryError('conflict', `only ${before.quantity} of ${before.sku} in stock`, {
        fields: { delta: `only ${before.quantity} in stock` },
      })
    }
    throw error
  }
  const [item, movement] = await Promise.all([
    getItem(db, id),
    db
      .selectFrom('movements')
      .selectAll()
      .where('item_id', '=', id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow(),
  ])
  return { item, movement }
}

/** Latest movements first, of one item or of all. */
export async function listMovements(db: Kysely<InventoryDB>, input: unknown = {}): Promise<MovementWithItem[]> {
  const filter: MovementFilter = parseInput(movementFilterSchema, input)
  let query = db
    .selectFrom('movements')
    .innerJoin('items', 'items.id', 'movements.item_id')
    .selectAll('movements')
    .select(['items.sku', 'items.name'])
  if (filter.item_id !== undefined) query = query.where('movements.item_id', '=', filter.item_id)
  return query.orderBy('movements.id', 'desc').limit(filter.limit).execute()
}

/** Every item as CSV, in the columns an import reads back. */
export async function exportCsv(db: Kysely<InventoryDB>): Promise<string> {
  const items = await db.selectFrom('items').select(CSV_COLUMNS).orderBy('sku').execute()
  return formatCsv(
    CSV_COLUMNS,
    items.map((item) => CSV_COLUMNS.map((column) => item[column])),
  )
}

/** Reads a CSV file and says, per row, what importing it would do or why it cannot. */
export async function previewImport(db: Kysely<InventoryDB>, csv: string): Promise<ImportPreview> {
  const [header, ...records] = parseCsv(csv)
  const columns = (header?.cells ?? []).map((cell) => cell.trim().toLowerCase())
  const missing = ['sku', 'name'].filter((column) => !columns.includes(column))
  if (!header || missing.length > 0) {
    throw new InventoryError(
      'invalid_input',
      `the header must name the columns ${missing.join(' and ') || 'sku and name'}`,
      {
        fields: { csv: `header row needs: ${CSV_COLUMNS.join(', ')}` },
      },
    )
  }
  const unknown = columns.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column))
  if (unknown.length > 0) {
    throw new InventoryError('invalid_input', `unknown columns: ${unknown.join(', ')}`, {
      fields: { csv: `unknown columns: ${unknown.join(', ')}` },
    })
  }
  const existing = new Set((await db.selectFrom('items').select('sku').execute()).map((row) => row.sku))
  const seen = new Map<string, number>()
  const rows = records.map((record): ImportRow => {
    const raw = Object.fromEntries(columns.map((column, index) => [column, record.cells[index] ?? '']))
    const sku = (raw.sku ?? '').trim()
    const errors: Record<string, string> = {}
    if (record.cells.length !== columns.length)
      errors.row = `${record.cells.length} cells, the header has ${columns.length}`
    const parsed = newItemSchema.safeParse(toItemInput(raw))
    if (!parsed.success) Object.assign(errors, fieldErrors(parsed.error))
    const firstLine = seen.get(sku)
    if (sku !== '' && firstLine !== undefined) errors.sku ??= `repeats line ${firstLine}`
    else seen.set(sku, record.line)
    if (Object.keys(errors).length > 0 || !parsed.success)
      return { line: record.line, sku, action: 'error', item: null, errors }
    return {
      line: record.line,
      sku,
      action: existing.has(parsed.data.sku) ? 'update' : 'create',
      item: parsed.data,
      errors,
    }
  })
  return {
    rows,
    create_count: rows.filter((row) => row.action === 'create').length,
    update_count: rows.filter((row) => row.action === 'update').length,
    error_count: rows.filter((row) => row.action === 'error').length,
  }
}

/**
 * Imports a CSV file in one batch: new SKUs are created, known ones updated, and quantity
 * changes recorded as movements. A file with any invalid row imports nothing.
 */
export async function applyImport(storage: Storage, csv: string): Promise<{ created: number; updated: number }> {
  const preview = await previewImport(storage.db, csv)
  const invalid: RowErrors[] = preview.rows
    .filter((row) => row.action === 'error')
    .map((row) => ({ line: row.line, fields: row.errors }))
  if (invalid.length > 0) {
    throw new InventoryError('invalid_input', `${invalid.length} of ${preview.rows.length} rows cannot be imported`, {
      fields: { csv: 'some rows are invalid' },
      rows: invalid,
    })
  }
  const { db } = storage
  const at = now()
  const queries: Compilable[] = []
  for (const row of preview.rows) {
    if (!row.item) continue
    if (row.action === 'create') {
      queries.push(...insertItemQueries(db, row.item, at, 'CSV import'))
      continue
    }
    const { quantity, sku, ...fields } = row.item
    queries.push(
      db
        .insertInto('movements')
        .columns(['item_id', 'delta', 'reason', 'quantity_after', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('items')
            .select([
              'id',
              sql<number>`${quantity} - quantity`.as('delta'),
              sql.lit('CSV import').as('reason'),
              sql.val(quantity).as('quantity_after'),
              sql.val(at).as('created_at'),
            ])
            .where('sku', '=', sku)
            .where('quantity', '!=', quantity),
        ),
      db
        .updateTable('items')
        .set({ ...fields, quantity, updated_at: at })
        .where('sku', '=', sku),
    )
  }
  if (queries.length > 0) await runGuarded(() => storage.batch(queries))
  return { created: preview.create_count, updated: preview.update_count }
}

/** Fills an empty inventory with the sample items; an inventory with any item is left alone. */
export async function seedSampleItems(storage: Storage): Promise<boolean> {
  const any = await storage.db.selectFrom('items').select('id').limit(1).executeTakeFirst()
  if (any) return false
  const at = now()
  await storage.batch(sampleItems.flatMap((item) => insertItemQueries(storage.db, item, at, 'opening stock')))
  return true
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

/** CSV cells are text; numbers are converted here so the schema names the cell that is not one. */
function toItemInput(raw: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(raw)) {
    const trimmed = value.trim()
    if (column === 'quantity' || column === 'reorder_level' || column === 'unit_cost') {
      if (trimmed !== '') input[column] = Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed)
    } else {
      input[column] = trimmed
    }
  }
  return input
}

/** Turns the storage's constraint errors into the inventory's terms. */
async function runGuarded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof UniqueConstraintError && error.columns.includes('sku')) {
      throw new InventoryError('conflict', 'an item with this SKU already exists', {
        fields: { sku: 'already used by another item' },
      })
    }
    if (error instanceof CheckConstraintError) {
      throw new InventoryError('invalid_input', 'a value is out of range', {
        fields: { [checkedColumn(error.constraint)]: 'out of range' },
      })
    }
    throw error
  }
}

function checkedColumn(constraint: string | undefined): string {
  return /^\s*(\w+)/.exec(constraint ?? '')?.[1] ?? 'body'
}
