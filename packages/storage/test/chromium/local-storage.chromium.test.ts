import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createStorage, StorageQuotaError, type StorageProvider } from '../../src/index.js'
import { localStorageAdapter } from '../../src/local-storage.js'
import { runConformanceSuite } from '../conformance/conformance-suite.js'
import { chromiumAdapterHarnesses, removeLocalStorageDatabase } from '../support/chromium-adapter-harnesses.js'

const run = `${Date.now()}`

runConformanceSuite(chromiumAdapterHarnesses.localStorage())

const FILLER = 'test filler'

/** Fills localStorage until about `free` characters are left, found by halving the step. */
function fillLeaving(free: number): void {
  let size = 0
  for (let step = 8 * 1024 * 1024; step >= 1024; step = Math.floor(step / 2)) {
    try {
      localStorage.setItem(FILLER, 'f'.repeat(size + step))
      size += step
    } catch {
      // Too large: try half the step.
    }
  }
  localStorage.setItem(FILLER, 'f'.repeat(Math.max(0, size - free)))
}

interface ItemsDB {
  items: { id: number; sku: string; name: string }
}

describe('local-storage in Chromium: the real quota', () => {
  const open: StorageProvider<ItemsDB>[] = []
  afterEach(async () => {
    for (const provider of open.splice(0)) await provider.close()
    localStorage.removeItem(FILLER)
  })

  it('rejects the write that passes the quota, keeps what was stored, and recovers after deletes', async () => {
    const name = `quota-${run}`
    const adapter = localStorageAdapter({ name })
    const storage = await createStorage<ItemsDB>({ adapters: adapter })
    open.push(storage)
    await sql`create table items (id integer primary key, sku text not null unique, name text not null)`.execute(
      storage.db,
    )
    fillLeaving(150_000)
    let stored = 0
    let failure: unknown
    for (; stored < 100_000; stored++) {
      try {
        await storage.db
          .insertInto('items')
          .values({ id: stored + 1, sku: `SKU-${stored}`, name: `item ${stored} `.repeat(10) })
          .execute()
      } catch (error) {
        failure = error
        break
      }
    }
    expect(failure).toBeInstanceOf(StorageQuotaError)
    expect(stored).toBeGreaterThan(100)
    const count = async (provider: StorageProvider<ItemsDB>) =>
      (
        await provider.db
          .selectFrom('items')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n
    expect(await count(storage)).toBe(stored)
    const reopened = await createStorage<ItemsDB>({ adapters: adapter })
    open.push(reopened)
    expect(await count(reopened)).toBe(stored)
    expect((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(reopened.db)).rows).toEqual([
      { integrity_check: 'ok' },
    ])

    await storage.db
      .deleteFrom('items')
      .where('id', '<=', Math.floor(stored / 2))
      .execute()
    await storage.db
      .insertInto('items')
      .values({ id: stored + 1, sku: 'after', name: 'after the delete' })
      .execute()
    await storage.close()
    const afterDelete = await createStorage<ItemsDB>({ adapters: adapter })
    open.push(afterDelete)
    expect(await count(afterDelete)).toBe(stored - Math.floor(stored / 2) + 1)
    removeLocalStorageDatabase(name)
  })

  it('is available where localStorage takes a probe write, and leaves no key behind', async () => {
    const before = localStorage.length
    expect(await localStorageAdapter({ name: 'probe' }).isAvailable()).toBe(true)
    expect(localStorage.length).toBe(before)
  })
})
