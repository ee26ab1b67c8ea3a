import type { Generated, Insertable, Selectable } from 'kysely'

/** The inventory's tables, as Kysely sees them. */
export interface InventoryDB {
  items: ItemsTable
  movements: MovementsTable
}

export interface ItemsTable {
  id: Generated<number>
  sku: string
  name: string
  quantity: number
  location: string
  category: string
  reorder_level: number
  /** Cost of one unit, in the shop's currency. */
  unit_cost: number
  /** ISO 8601 timestamps. */
  created_at: string
  updated_at: string
}

export interface MovementsTable {
  id: Generated<number>
  item_id: number
  /** Units added (positive) or removed (negative). */
  delta: number
  reason: string
  /** The item's quantity once this movement was applied. */
  quantity_after: number
  created_at: string
  /** The id the client gave the adjustment that wrote it (see `adjustStock`), else null. */
  request_id: string | null
}

export type Item = Selectable<ItemsTable>
export type NewItemRow = Insertable<ItemsTable>
export type Movement = Selectable<MovementsTable>

/** A movement with the item it belongs to, as the history shows it. */
export interface MovementWithItem extends Movement {
  sku: string
  name: string
}
