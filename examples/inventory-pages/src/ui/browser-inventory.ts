import { createStorage } from '@inventory/storage'
import { autoAdapters } from '@inventory/storage/auto'
import { handleApiRequest } from '../api/handle-api-request.js'
import { seedSampleItems } from '../domain/inventory.js'
import { migrations } from '../domain/migrations.js'
import type { InventoryDB } from '../domain/schema.js'
import { ApiInventoryClient } from './inventory-client.js'
import { liveInventory } from './live-inventory.js'
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
  return {
    client: new ApiInventoryClient(`In this browser · ${storage.adapter}`, (request) =>
      handleApiRequest(request, { storage }),
    ),
    live: liveInventory(storage),
    // Loaded when used: the sync client is needed only for a copy.
    copyToServer: async (target) => (await import('./copy-to-server.js')).copyToServer(storage, target),
  }
}
