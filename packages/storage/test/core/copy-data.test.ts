import { afterAll, describe, expect, it } from 'vitest'
import { copyData, createStorage, StorageQuotaError } from '../../src/index.js'
import { localStorageAdapter } from '../../src/local-storage.js'
import { readAllTables, fillSource } from '../conformance/copy-data-cases.js'
import { type ConformanceDB, conformanceMigrations } from '../conformance/schema.js'
import { adapterHarnesses } from '../support/adapter-harnesses.js'
import { QuotaStorage } from '../support/quota-storage.js'

const harnesses = {
  sqlite: adapterHarnesses.sqliteMemory(),
  d1: adapterHarnesses.d1(),
  indexeddb: adapterHarnesses.indexedDb(),
  'local-storage': adapterHarnesses.localStorage(),
}
type Name = keyof typeof harnesses

const open = async (name: Name) => {
  const provider = await harnesses[name].open<ConformanceDB>()
  await provider.migrate(conformanceMigrations)
  return provider
}

afterAll(async () => {
  for (const harness of Object.values(harnesses)) await harness.dispose()
})

describe('copyData between adapters', () => {
  const pairs: [Name, Name][] = [
    ['sqlite', 'indexeddb'],
    ['indexeddb', 'd1'],
    ['d1', 'sqlite'],
    ['local-storage', 'd1'],
    ['sqlite', 'local-storage'],
    ['d1', 'indexeddb'],
  ]

  it.each(pairs)('%s → %s: every table equal on both sides afterwards', async (from, to) => {
    const source = await open(from)
    const target = await open(to)
    await fillSource(source, 700)
    const report = await copyData(source, target)
    expect(report.rows).toBe(3 + 3 + 2 + 700)
    expect(await readAllTables(target)).toEqual(await readAllTables(source))
    for (const harness of Object.values(harnesses)) await harness.cleanup()
  })

  it('sends a D1 copy beyond one batch as several, reports it not atomic, and a re-run gives the same tables', async () => {
    const source = await open('sqlite')
    const target = await open('d1')
    await fillSource(source, 12_000)
    const first = await copyData(source, target)
    expect(first.atomic).toBe(false)
    const second = await copyData(source, target)
    expect(second.rows).toBe(first.rows)
    expect(await readAllTables(target)).toEqual(await readAllTables(source))
    await harnesses.sqlite.cleanup()
    await harnesses.d1.cleanup()
  })

  it('into a full localStorage: StorageQuotaError, and the target keeps exactly what it had', async () => {
    const source = await open('sqlite')
    await fillSource(source, 5000)
    const storage = new QuotaStorage()
    const target = await createStorage<ConformanceDB>({
      adapters: localStorageAdapter({ name: 'quota-copy', storage, storageEvents: storage.window }),
    })
    await target.migrate(conformanceMigrations)
    await target.db.insertInto('items').values({ sku: 'KEPT', name: 'already there' }).execute()
    storage.area.quota = storage.area.used + 20_000
    const before = await readAllTables(target)
    const failure = await copyData(source, target).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageQuotaError)
    expect(await readAllTables(target)).toEqual(before)
    await target.close()
    await harnesses.sqlite.cleanup()
  })
})
