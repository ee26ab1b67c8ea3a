import { createStorage, liveQuery } from '@inventory/storage'
import { autoAdapters } from '@inventory/storage/auto'
import { handleApiRequest } from '../api/handle-api-request.js'
import { itemListQuery, movementListQuery, overviewQueries, seedSampleItems, toOverview } from '../domain/inventory.js'
import { migrations } from '../domain/migrations.js'
import type { InventoryDB } from '../domain/schema.js'
import { ApiInventoryClient } from './inventory-client.js'
import type { LiveInventory } from './live-inventory.js'
import type { OpenedInventory } from './open-inventory.js'

/**
 * The inventory kept in this browser (the browser-only build): the same migrations, rules and API
 * handler as on the servers, on a database in IndexedDB, else localStorage. The list, the totals
 * and the recent movements are live queries, so a change made in another tab shows at once.
 */
export async function openBrowserInventory(): Promise<OpenedInventory> {
  // The browser's candidates: IndexedDB, else localStorage (some webviews and private modes refuse IndexedDB).
  const storage = await createStorage<InventoryDB>({ adapters: autoAdapters({ name: 'inventory' }) })
  await storage.migrate(migrations)
  // Safe when another tab opens at the same moment: only one of them adds the samples.
  await seedSampleItems(storage)
  const live: LiveInventory = {
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
  return {
    client: new ApiInventoryClient(`In this browser · ${storage.adapter}`, (request) =>
      handleApiRequest(request, { storage }),
    ),
    live,
  }
}
