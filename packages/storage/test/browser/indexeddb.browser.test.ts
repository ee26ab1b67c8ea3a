import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createStorage, type StorageProvider } from '../../src/index.js'
import { indexedDbAdapter } from '../../src/indexeddb.js'
import { runConformanceSuite } from '../conformance/conformance-suite.js'
import type { ConformanceDB } from '../conformance/schema.js'

const run = `${Date.now()}`
let databases = 0

runConformanceSuite(
  'indexeddb (Chromium)',
  async () => {
    const adapter = indexedDbAdapter({ name: `conformance-${run}-${++databases}` })
    let current = await createStorage<ConformanceDB>({ adapters: adapter })
    return {
      subject: current,
      reopen: async () => {
        await current.close()
        current = await createStorage<ConformanceDB>({ adapters: adapter })
        return current
      },
      cleanup: () => current.close(),
    }
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)

interface CounterDB {
  counters: { id: number; value: number }
}

describe('indexeddb in Chromium: two engines of one page, on navigator.locks and BroadcastChannel', () => {
  it('loses no update and reports remote changes', async () => {
    const name = `tabs-${run}`
    const first = await createStorage<CounterDB>({ adapters: indexedDbAdapter({ name }) })
    await sql`create table counters (id integer primary key, value integer not null)`.execute(first.db)
    await first.db.insertInto('counters').values({ id: 1, value: 0 }).execute()
    const second = await createStorage<CounterDB>({ adapters: indexedDbAdapter({ name }) })
    const remote: string[][] = []
    second.onChange((event) => event.source === 'remote' && remote.push([...event.tables]))
    const increment = (provider: StorageProvider<CounterDB>) =>
      provider.transaction(async (trx) => {
        const { value } = await trx.selectFrom('counters').select('value').executeTakeFirstOrThrow()
        await trx.updateTable('counters').set({ value: value + 1 }).execute()
      })
    const loop = async (provider: StorageProvider<CounterDB>) => {
      for (let i = 0; i < 100; i++) await increment(provider)
    }
    await Promise.all([loop(first), loop(second)])
    await increment(first)
    expect((await first.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value).toBe(201)
    expect(remote.length).toBeGreaterThan(0)
    expect(remote.every((tables) => tables.join() === 'counters')).toBe(true)
    await first.close()
    await second.close()
  })

  it('is available here, where IndexedDB really opens', async () => {
    expect(await indexedDbAdapter({ name: 'probe' }).isAvailable()).toBe(true)
  })
})
