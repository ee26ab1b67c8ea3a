import { expect, it, vi } from 'vitest'
import { autoAdapters } from '../../src/auto/node.js'
import { createStorage, StorageUnavailableError } from '../../src/index.js'

// A Node project where better-sqlite3 is not installed: importing it fails.
vi.mock('better-sqlite3', () => {
  throw new Error('Cannot find package better-sqlite3')
})

it('says how to install better-sqlite3 when it is missing', async () => {
  const failure = await createStorage({ adapters: autoAdapters({ name: 'inventory' }) }).catch(
    (error: unknown) => error,
  )
  expect(failure).toBeInstanceOf(StorageUnavailableError)
  expect((failure as StorageUnavailableError).skipped).toEqual([
    {
      adapter: 'sqlite',
      reason: expect.stringContaining(
        'better-sqlite3 could not be loaded; install it with `npm install better-sqlite3`',
      ),
    },
  ])
})
