import { describe, expect, it } from 'vitest'
import { type AdapterSelection, createStorage, type StorageAdapter, StorageUnavailableError } from '../../src/index.js'
import { sqliteAdapter } from '../../src/sqlite.js'

function unavailable(name: string, why: 'false' | 'throws' | 'open fails'): StorageAdapter {
  return {
    name,
    isAvailable: () => {
      if (why === 'throws') throw new Error('no such global')
      return why === 'open fails'
    },
    open: () => Promise.reject(new Error('cannot open')),
  }
}

describe('createStorage', () => {
  it('opens the first available adapter and reports the skipped ones', async () => {
    const selections: AdapterSelection[] = []
    const storage = await createStorage({
      adapters: [unavailable('first', 'false'), unavailable('second', 'open fails'), sqliteAdapter()],
      onSelect: (selection) => selections.push(selection),
    })
    expect(storage.adapter).toBe('sqlite')
    expect(selections).toEqual([
      {
        adapter: 'sqlite',
        skipped: [
          { adapter: 'first', reason: 'not available in this runtime' },
          { adapter: 'second', reason: 'failed to open: cannot open' },
        ],
      },
    ])
    await storage.close()
  })

  it('accepts a single adapter', async () => {
    const storage = await createStorage({ adapters: sqliteAdapter() })
    expect(storage.adapter).toBe('sqlite')
    await storage.close()
  })

  it('throws StorageUnavailableError naming every adapter tried and why', async () => {
    const failure = await createStorage({
      adapters: [unavailable('a', 'false'), unavailable('b', 'throws'), unavailable('c', 'open fails')],
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageUnavailableError)
    const error = failure as StorageUnavailableError
    expect(error.code).toBe('STORAGE_UNAVAILABLE')
    expect(error.skipped.map((skip) => skip.adapter)).toEqual(['a', 'b', 'c'])
    expect(error.message).toContain('b (isAvailable() threw: no such global)')
  })

  it('throws StorageUnavailableError for an empty list', async () => {
    await expect(createStorage({ adapters: [] })).rejects.toThrow(/given no adapters/)
  })

  it("reports an adapter's own reason for being unavailable", async () => {
    const explained: StorageAdapter = {
      ...unavailable('explained', 'false'),
      unavailableReason: () => 'no binding given',
    }
    const failure = (await createStorage({ adapters: [explained] }).catch(
      (error: unknown) => error,
    )) as StorageUnavailableError
    expect(failure.skipped).toEqual([{ adapter: 'explained', reason: 'no binding given' }])
  })
})
