import { type Kysely, type Migration, sql } from 'kysely'

/**
 * The inventory's schema, written once: the Node server applies it with `storage.migrate`, the
 * browser does the same, and `migrations/*.sql` for D1 are generated from it.
 */
export const migrations: Record<string, Migration> = {
  '0001_items_and_movements': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('sku', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('quantity', 'integer', (column) => column.notNull().defaultTo(0).check(sql`quantity >= 0`))
        .addColumn('location', 'text', (column) => column.notNull().defaultTo(''))
        .addColumn('category', 'text', (column) => column.notNull().defaultTo(''))
        .addColumn('reorder_level', 'integer', (column) => column.notNull().defaultTo(0).check(sql`reorder_level >= 0`))
        .addColumn('unit_cost', 'real', (column) => column.notNull().defaultTo(0).check(sql`unit_cost >= 0`))
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute()
      await db.schema.createIndex('items_category').on('items').column('category').execute()
      await db.schema.createIndex('items_location').on('items').column('location').execute()
      await db.schema
        .createTable('movements')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('item_id', 'integer', (column) => column.notNull().references('items.id').onDelete('cascade'))
        .addColumn('delta', 'integer', (column) => column.notNull())
        .addColumn('reason', 'text', (column) => column.notNull())
        .addColumn('quantity_after', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute()
      await db.schema.createIndex('movements_item_id').on('movements').columns(['item_id', 'id']).execute()
    },
  },
  // A client's id for an adjustment, so that one sent again after its answer was lost is recorded once.
  '0002_movement_request_ids': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('movements').addColumn('request_id', 'text').execute()
      await db.schema.createIndex('movements_request_id').on('movements').column('request_id').unique().execute()
    },
  },
}
