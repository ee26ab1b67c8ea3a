// The demo: opens (or creates) .data/inventory.sqlite, migrates, seeds, records a delivery and
// a sale, shows stock and what needs reordering. Run it twice: the data is still there.
import { mkdirSync } from 'node:fs'
import { createStorage, CheckConstraintError } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { adjustStock, type InventoryDB, lowStock, migrations, seed } from './inventory.js'

mkdirSync('.data', { recursive: true })
await using storage = await createStorage<InventoryDB>({
  adapters: sqliteAdapter({ filename: process.env.INVENTORY_DB ?? '.data/inventory.sqlite' }),
})
const report = await storage.migrate(migrations)
console.log(`migrations applied: ${report.applied.length ? report.applied.join(', ') : 'none pending'}`)
await seed(storage)

console.log(`delivery of 10 screw boxes → ${await adjustStock(storage, 'SCR-010', 10, 'delivery')} in stock`)
console.log(`sold 2 hammers → ${await adjustStock(storage, 'HAM-001', -2, 'sale')} in stock`)
try {
  await adjustStock(storage, 'TAP-002', -1000, 'a sale larger than the stock')
} catch (error) {
  if (!(error instanceof CheckConstraintError)) throw error
  console.log('refused a sale larger than the stock; neither the movement nor the quantity changed')
}

console.table(await storage.db.selectFrom('items').select(['sku', 'name', 'quantity']).orderBy('sku').execute())
console.log('to reorder:', (await lowStock(storage)).map((item) => item.sku).join(', ') || 'nothing')
