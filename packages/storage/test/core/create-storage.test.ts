import { describe, expect, it } from 'vitest'
import {
  type AdapterSelection,
  createStorage,
  MigrationError,
  StorageError,
  StorageQuotaError,
  type StorageAdapter,
  StorageUnavailableError,
} from '../../src/index.js'
import { sqliteAdapter } from '../../src/sqlite.js'

/** A candidate that is unavailable here, in one of the ways an adapter can say so. */
function unavailable(name: string, how: 'answers false' | 'throws unavailable' | 'opens unavailable'): StorageAdapter {
  return {
    name,
    isAvailable: () => {
      if (how === 'throws unavailable') throw new StorageUnavailableError('no such global', { adapter: name })
      return how === 'opens unavailable'
    },
    open: () => Promise.reject(new StorageUnavailableError('blocked in private mode', { adapter: name })),
  }
}

/** A candidate that is available but fails to open with `error`. */
function failing(name: string, error: unknown): StorageAdapter {
  return { name, isAvailable: () => true, open: () => Promise.reject(error) }
}

/** An available candidate that records whether createStorage asked it anything. */
function watched(): { adapter: StorageAdapter; asked: string[] } {
  const asked: string[] = []
  const inner = sqliteAdapter()
  return {
    asked,
    adapter: {
      name: 'next',
      isAvailable: () => {
        asked.push('isAvailable')
        return inner.isAvailable()
      },
      open: () => {
        asked.push('open')
        return inner.open()
      },
    },
  }
}

describe('createStorage', () => {
  it('opens the first available adapter and tells onSelect which candidates it skipped and why', async () => {
    const selections: AdapterSelection[] = []
    const storage = await createStorage({
      adapters: [
        unavailable('first', 'answers false'),
        unavailable('second', 'throws unavailable'),
        unavailable('third', 'opens unavailable'),
        sqliteAdapter(),
      ],
      onSelect: (selection) => selections.push(selection),
    })
    expect(storage.adapter).toBe('sqlite')
    expect(selections).toEqual([
      {
        adapter: 'sqlite',
        skipped: [
          { adapter: 'first', reason: 'not available in this runtime' },
          { adapter: 'second', reason: 'isAvailable() threw: [@inventory/storage] [second] no such global' },
          { adapter: 'third', reason: 'failed to open: [@inventory/storage] [third] blocked in private mode' },
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

  it('throws StorageUnavailableError naming every adapter tried and why, without calling onSelect', async () => {
    const selections: AdapterSelection[] = []
    const failure = await createStorage({
      adapters: [
        unavailable('a', 'answers false'),
        unavailable('b', 'throws unavailable'),
        unavailable('c', 'opens unavailable'),
      ],
      onSelect: (selection) => selections.push(selection),
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageUnavailableError)
    const error = failure as StorageUnavailableError
    expect(error.code).toBe('STORAGE_UNAVAILABLE')
    expect(error.skipped.map((skip) => skip.adapter)).toEqual(['a', 'b', 'c'])
    expect(error.message).toContain('a (not available in this runtime); b (isAvailable() threw:')
    expect(selections).toEqual([])
  })

  it('throws StorageUnavailableError for an empty list', async () => {
    await expect(createStorage({ adapters: [] })).rejects.toThrow(/given no adapters/)
  })

  it("reports an adapter's own reason for being unavailable", async () => {
    const explained: StorageAdapter = {
      ...unavailable('explained', 'answers false'),
      unavailableReason: () => 'no binding given',
    }
    const failure = (await createStorage({ adapters: [explained] }).catch(
      (error: unknown) => error,
    )) as StorageUnavailableError
    expect(failure.skipped).toEqual([{ adapter: 'explained', reason: 'no binding given' }])
  })
})

describe('createStorage moves on only when a candidate is unavailable', () => {
  const typedFailures = [
    new StorageError('CORRUPT_STORAGE', 'the stored database is damaged: page 1 is not SQLite', {
      adapter: 'indexeddb',
    }),
    new MigrationError('applied migrations are missing from the given set: 0003_tags', { adapter: 'indexeddb' }),
    new StorageQuotaError('IndexedDB is full', { adapter: 'indexeddb' }),
    // Not a StorageUnavailableError: another tab holds the database open, so its data is there.
    new StorageError('STORAGE_UNAVAILABLE', 'IndexedDB is blocked by another tab', { adapter: 'indexeddb' }),
  ]

  it.each(typedFailures.map((error) => [error.code, error] as const))(
    'throws a %s failure to open as it is, and never opens the next candidate',
    async (_code, error) => {
      const next = watched()
      const thrown = await createStorage({ adapters: [failing('indexeddb', error), next.adapter] }).catch(
        (failure: unknown) => failure,
      )
      expect(thrown).toBe(error)
      expect(next.asked).toEqual([])
    },
  )

  it('wraps any other failure to open in a StorageError naming the adapter, keeping it as the cause', async () => {
    const cause = new TypeError('cannot read properties of undefined')
    const next = watched()
    const thrown = await createStorage({ adapters: [failing('custom', cause), next.adapter] }).catch(
      (failure: unknown) => failure,
    )
    expect(thrown).toBeInstanceOf(StorageError)
    expect(thrown).toMatchObject({ code: 'QUERY_FAILED', adapter: 'custom', cause })
    expect((thrown as Error).message).toBe(
      '[@inventory/storage] [custom] open() failed: cannot read properties of undefined',
    )
    expect(next.asked).toEqual([])
  })

  it('throws when isAvailable() fails for another reason than unavailability', async () => {
    const broken: StorageAdapter = {
      name: 'broken',
      isAvailable: () => Promise.reject(new Error('the probe crashed')),
      open: () => Promise.reject(new Error('never called')),
    }
    const next = watched()
    const thrown = await createStorage({ adapters: [broken, next.adapter] }).catch((failure: unknown) => failure)
    expect(thrown).toMatchObject({ code: 'QUERY_FAILED', adapter: 'broken' })
    expect((thrown as Error).message).toContain('isAvailable() failed: the probe crashed')
    expect(next.asked).toEqual([])
  })
})
