import { liveQuery, type StorageProvider } from '@inventory/storage'
import { itemListQuery, movementListQuery, overviewQueries, toOverview } from '../domain/inventory.js'
import type { InventoryDB } from '../domain/schema.js'
import type { Item, ItemQuery, MovementWithItem, Overview } from './inventory-client.js'

/** Ends a subscription. */
export type Stop = () => void

/**
 * The page's data as live queries (the browser-only and offline-first builds): each listener gets the rows now and
 * again after every commit that touches them, made in this tab or in another one.
 */
export interface LiveInventory {
  items(query: ItemQuery, next: (items: Item[]) => void, error: (error: unknown) => void): Stop
  overview(next: (overview: Overview) => void, error: (error: unknown) => void): Stop
  movements(limit: number, next: (movements: MovementWithItem[]) => void, error: (error: unknown) => void): Stop
}

/**
 * The live queries of an inventory kept in this browser, on the same query builders the API runs:
 * they re-run after every commit that writes a table they read, in this tab or another one (and,
 * in the offline-first build, after each sync applied the server's changes).
 */
export function liveInventory(storage: StorageProvider<InventoryDB>): LiveInventory {
  return {
    items: (query, next, error) => liveQuery(storage, (db) => itemListQuery(db, query)).subscribe({ next, error }),
    movements: (limit, next, error) =>
      liveQuery(storage, (db) => movementListQuery(db, { limit })).subscribe({ next, error }),
    overview(next, error) {
      // Three queries, one overview: shown once all three have answered, then on each new answer.
      const queries = overviewQueries(storage.db)
      const latest: {
        totals?: Parameters<typeof toOverview>[0]
        categories?: { category: string }[]
        locations?: { location: string }[]
      } = {}
      const show = () => {
        const { totals, categories, locations } = latest
        if (totals && categories && locations) next(toOverview(totals, categories, locations))
      }
      const stops = [
        liveQuery(storage, () => queries.totals).subscribe({
          next: ([totals]) => {
            latest.totals = totals
            show()
          },
          error,
        }),
        liveQuery(storage, () => queries.categories).subscribe({
          next: (rows) => {
            latest.categories = rows
            show()
          },
          error,
        }),
        liveQuery(storage, () => queries.locations).subscribe({
          next: (rows) => {
            latest.locations = rows
            show()
          },
          error,
        }),
      ]
      return () => {
        for (const stop of stops) stop()
      }
    },
  }
}
