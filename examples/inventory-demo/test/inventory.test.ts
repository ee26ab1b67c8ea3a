import { CheckConstraintError, createStorage } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { describe, expect, it } from 'vitest'
import { adjustStock, type InventoryDB, lowStock, migrations, seed } from '../src/inventory.js'

describe('inventory demo', () => {
  it('adjusts stock and records the movement atomically', async () => {
    await using storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter() })
    await storage.migrate(migrations)
    await seed(storage)
    await seed(storage)
    expect(await adjustStock(storage, 'SCR-010', 10, 'delivery')).toBe(13)
    await expect(adjustStock(storage, 'TAP-002', -100, 'oversold')).rejects.toBeInstanceOf(CheckConstraintError)
    const movements = await storage.db.selectFrom('movements').select(['delta', 'reason']).execute()
    expect(movements).toEqual([{ delta: 10, reason: 'delivery' }])
    expect((await lowStock(storage)).map((item) => item.sku)).toEqual([])
    expect(await adjustStock(storage, 'HAM-001', -8, 'sale')).toBe(4)
    expect((await lowStock(storage)).map((item) => item.sku)).toEqual(['HAM-001'])
  })
})
