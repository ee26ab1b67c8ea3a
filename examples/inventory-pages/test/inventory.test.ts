import { createStorage, type StorageProvider } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedSampleItems } from '../src/domain/inventory.js'
import { applyImport } from '../src/domain/inventory-csv.js'
import { migrations } from '../src/domain/migrations.js'
import { sampleItems } from '../src/domain/sample-items.js'
import type { InventoryDB } from '../src/domain/schema.js'

const IMPORT_ROW_LIMIT = 10_000

describe('inventory domain on sqlite', () => {
  let storage: StorageProvider<InventoryDB>
  beforeEach(async () => {
    storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ filename: ':memory:' }) })
    await storage.migrate(migrations)
  })
  afterEach(() => storage.close())

  const count = async (table: 'items' | 'movements') =>
    Number(
      (
        await storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
      ).count,
    )
  const csvOf = (rows: number) =>
    `sku,name,quantity\r\n${Array.from({ length: rows }, (_, index) => `ROW-${index + 1},Row ${index + 1},2\r\n`).join('')}`

  it('seeds the sample items once when three starts race on one database', async () => {
    const results = await Promise.allSettled([
      seedSampleItems(storage),
      seedSampleItems(storage),
      seedSampleItems(storage),
    ])
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : String(result.reason)))).toEqual([
      true,
      false,
      false,
    ])
    expect(await count('items')).toBe(sampleItems.length)
    expect(await count('movements')).toBe(sampleItems.filter((item) => item.quantity > 0).length)
  })

  it(`applies a ${IMPORT_ROW_LIMIT}-row import in chunks, letting other work run in between`, async () => {
    let turns = 0
    let importing = true
    const takeTurns = () => {
      if (!importing) return
      turns++
      setImmediate(takeTurns)
    }
    setImmediate(takeTurns)
    const result = await applyImport(storage, csvOf(IMPORT_ROW_LIMIT))
    importing = false
    expect(result).toEqual({ created: IMPORT_ROW_LIMIT, updated: 0 })
    expect(await count('items')).toBe(IMPORT_ROW_LIMIT)
    // Other requests get a turn at least once every 1,000 rows.
    expect(turns).toBeGreaterThanOrEqual(IMPORT_ROW_LIMIT / 1_000)
  })

  it('imports nothing when a write of the last chunk fails', async () => {
    await seedSampleItems(storage)
    const [items, movements] = [await count('items'), await count('movements')]
    await sql`create trigger refuse_last_row before insert on items when new.sku = ${sql.lit(`ROW-${IMPORT_ROW_LIMIT}`)}
      begin select raise(abort, 'refused by the test'); end`.execute(storage.db)
    await expect(applyImport(storage, csvOf(IMPORT_ROW_LIMIT))).rejects.toThrow('refused by the test')
    expect([await count('items'), await count('movements')]).toEqual([items, movements])
  })
})
