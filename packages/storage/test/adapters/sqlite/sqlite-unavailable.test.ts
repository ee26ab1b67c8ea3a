import { expect, it, vi } from 'vitest'
import { sqliteAdapter } from '../../../src/sqlite.js'

// A runtime where better-sqlite3 is not installed: importing it fails.
vi.mock('better-sqlite3', () => {
  throw new Error('Cannot find package better-sqlite3')
})

it('is unavailable without better-sqlite3 and says how to install it', async () => {
  const adapter = sqliteAdapter({ filename: ':memory:' })
  expect(await adapter.isAvailable()).toBe(false)
  expect(adapter.unavailableReason?.()).toMatch(
    /better-sqlite3 could not be loaded; install it with `npm install better-sqlite3`/,
  )
})
