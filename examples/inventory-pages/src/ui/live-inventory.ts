import type { Item, ItemQuery, MovementWithItem, Overview } from './inventory-client.js'

/** Ends a subscription. */
export type Stop = () => void

/**
 * The page's data as live queries (the browser-only build): each listener gets the rows now and
 * again after every commit that touches them, made in this tab or in another one.
 */
export interface LiveInventory {
  items(query: ItemQuery, next: (items: Item[]) => void, error: (error: unknown) => void): Stop
  overview(next: (overview: Overview) => void, error: (error: unknown) => void): Stop
  movements(limit: number, next: (movements: MovementWithItem[]) => void, error: (error: unknown) => void): Stop
}
