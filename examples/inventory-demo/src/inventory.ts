import type { StorageProvider } from '@inventory/storage'
import type { Generated, Kysely, Migration } from 'kysely'
import { sql } from 'kysely'

export interface InventoryDB {
  items: {
    id: Generated<number>
    sku: string
    name: string
    quantity: number
    reorder_level: number
  }
  movements: {
    id: Generated<number>
    item_id: number
    delta: number
    reason: string
    created_at: Generated<string>
  }
}

export const migrations: Record<string, Migration> = {
  '0001_items_and_movements': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('sku', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('quantity', 'integer', (column) => column.notNull().check(sql`quantity >= 0`))
        .addColumn('reorder_level', 'integer', (column) => column.notNull().defaultTo(0))
        .execute()
      await db.schema
        .createTable('movements')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('item_id', 'integer', (column) => column.notNull().references('items.id'))
        .addColumn('delta', 'integer', (column) => column.notNull())
        .addColumn('reason', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
        .execute()
    },
  },
}

export const sampleItems = [
  { sku: 'HAM-001', name: 'Claw hammer', quantity: 12, reorder_level: 5 },
  { sku: 'SCR-010', name: 'Wood screws 4×40 (box)', quantity: 3, reorder_level: 10 },
  { sku: 'TAP-002', name: 'Measuring tape 5 m', quantity: 7, reorder_level: 4 },
]

/** Seeds the sample items once; a second run finds them and leaves them alone. */
export async function seed(storage: StorageProvider<InventoryDB>): Promise<void> {
  await storage.db
    .insertInto('items')
    .values(sampleItems)
    .onConflict((conflict) => conflict.column('sku').doNothing())
    .execute()
}

/** Changes an item's quantity and records why, atomically on every adapter. */
export async function adjustStock(
  storage: StorageProvider<InventoryDB>,
  sku: string,
  delta: number,
  reason: string,
): Promise<number> {
  const { db } = storage
  const item = await db.selectFrom('items').select(['id']).where('sku', '=', sku).executeTakeFirstOrThrow()
  const [, updated] = await storage.batch([
    db.insertInto('movements').values({ item_id: item.id, delta, reason }),
    db.updateTable('items').set((eb) => ({ quantity: eb('quantity', '+', delta) })).where('id', '=', item.id).returning('quantity'),
  ])
  const [row] = (updated?.rows ?? []) as { quantity: number }[]
  if (!row) throw new Error(`item ${sku} disappeared while being adjusted`)
  return row.quantity
}

/** Items at or below their reorder level. */
export function lowStock(storage: StorageProvider<InventoryDB>) {
  return storage.db
    .selectFrom('items')
    .select(['sku', 'name', 'quantity', 'reorder_level'])
    .whereRef('quantity', '<=', 'reorder_level')
    .orderBy('sku')
    .execute()
}
