import { createStorage } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createItem, listItems } from '../src/domain/inventory.js'
import { migrations } from '../src/domain/migrations.js'
import type { InventoryDB } from '../src/domain/schema.js'
import { expectedD1Migrations, writtenD1Migrations } from '../scripts/d1-migrations.js'

describe('D1 migration files', () => {
  it('match the domain migrations (run `pnpm migrations:export` after changing them)', async () => {
    const expected = await expectedD1Migrations()
    const written = await writtenD1Migrations()
    expect([...written.keys()]).toEqual([...expected.keys()])
    for (const [name, sql] of expected) expect(written.get(name), name).toBe(sql)
  })

  it('build a database that the domain can use and that migrate() sees as up to date', async () => {
    const database = new Database(':memory:')
    for (const sql of (await writtenD1Migrations()).values()) database.exec(sql)
    await using storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ database }) })
    expect(await storage.migrate(migrations)).toEqual({ applied: [], alreadyApplied: Object.keys(migrations) })
    await createItem(storage, { sku: 'D1-1', name: 'From the SQL files', quantity: 2 })
    expect((await listItems(storage.db)).map((item) => [item.sku, item.quantity])).toEqual([['D1-1', 2]])
    database.close()
  })
})
