import { type Kysely, type Migration, sql } from 'kysely'
import { defineMutators } from '../../src/sync.js'

/** A small inventory: stock that must never go negative, and the movements that explain it. */
export interface InventoryDB {
  items: { id: string; sku: string; name: string; quantity: number; photo: Uint8Array | null }
  movements: { id: string; item_id: string; delta: number; note: string }
}

export const migrations: Record<string, Migration> = {
  '0001_inventory': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('sku', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('quantity', 'integer', (column) => column.notNull().check(sql`quantity >= 0`))
        .addColumn('photo', 'blob')
        .execute()
      await db.schema
        .createTable('movements')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('item_id', 'text', (column) => column.notNull().references('items.id').onDelete('cascade'))
        .addColumn('delta', 'integer', (column) => column.notNull())
        .addColumn('note', 'text', (column) => column.notNull())
        .execute()
    },
  },
}

export const tables = ['items', 'movements'] as const

/** Write-only mutators (they also run on D1, where a mutator may not read). */
export const mutators = defineMutators({
  async createItem(db: Kysely<InventoryDB>, args: { id: string; sku: string; name: string; quantity: number }) {
    await db
      .insertInto('items')
      .values({ ...args, photo: null })
      .execute()
    await db
      .insertInto('movements')
      .values({ id: `${args.id}:opening`, item_id: args.id, delta: args.quantity, note: 'opening stock' })
      .execute()
  },
  async adjust(db: Kysely<InventoryDB>, args: { movementId: string; itemId: string; delta: number; note: string }) {
    await db
      .updateTable('items')
      .set((eb) => ({ quantity: eb('quantity', '+', args.delta) }))
      .where('id', '=', args.itemId)
      .execute()
    await db
      .insertInto('movements')
      .values({ id: args.movementId, item_id: args.itemId, delta: args.delta, note: args.note })
      .execute()
  },
  async rename(db: Kysely<InventoryDB>, args: { itemId: string; name: string }) {
    await db.updateTable('items').set({ name: args.name }).where('id', '=', args.itemId).execute()
  },
  async setPhoto(db: Kysely<InventoryDB>, args: { itemId: string; photo: number[] }) {
    await db
      .updateTable('items')
      .set({ photo: new Uint8Array(args.photo) })
      .where('id', '=', args.itemId)
      .execute()
  },
  async removeItem(db: Kysely<InventoryDB>, args: { itemId: string }) {
    await db.deleteFrom('items').where('id', '=', args.itemId).execute()
  },
})

/** Every row of the synced tables, ordered, for comparing replicas (blobs as byte arrays: Node's are Buffers). */
export async function snapshot(db: Kysely<InventoryDB>) {
  const items = await db.selectFrom('items').selectAll().orderBy('id').execute()
  return {
    items: items.map((item) => ({ ...item, photo: item.photo && Array.from(item.photo) })),
    movements: await db.selectFrom('movements').selectAll().orderBy('id').execute(),
  }
}
