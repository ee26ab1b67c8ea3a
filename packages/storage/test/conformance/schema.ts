import type { Generated, Kysely, Migration } from 'kysely'
import { sql } from 'kysely'

/** The schema every adapter runs the conformance suite on. */
export interface ConformanceDB {
  categories: { id: Generated<number>; name: string }
  items: {
    id: Generated<number>
    sku: string
    name: string
    quantity: Generated<number>
    category_id: number | null
    price: number | null
    note: string | null
    data: Uint8Array | null
    big: number | null
  }
  movements: { id: Generated<number>; item_id: number; delta: number }
  locations: { warehouse: string; bin: string; label: string | null }
}

export const conformanceMigrations: Record<string, Migration> = {
  '0001_catalog': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('categories')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('name', 'text', (column) => column.notNull().unique())
        .execute()
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('sku', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('quantity', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('category_id', 'integer', (column) => column.references('categories.id'))
        .addColumn('price', 'real')
        .addColumn('note', 'text')
        .addColumn('data', 'blob')
        .addColumn('big', 'integer')
        .addCheckConstraint('quantity_not_negative', sql`quantity >= 0`)
        .execute()
    },
  },
  '0002_movements': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('movements')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('item_id', 'integer', (column) => column.notNull().references('items.id').onDelete('cascade'))
        .addColumn('delta', 'integer', (column) => column.notNull())
        .execute()
      await db.schema
        .createTable('locations')
        .addColumn('warehouse', 'text', (column) => column.notNull())
        .addColumn('bin', 'text', (column) => column.notNull())
        .addColumn('label', 'text')
        .addUniqueConstraint('locations_place', ['warehouse', 'bin'])
        .execute()
      await db
        .insertInto('categories')
        .values([{ name: 'tools' }, { name: 'parts' }])
        .execute()
    },
  },
}
