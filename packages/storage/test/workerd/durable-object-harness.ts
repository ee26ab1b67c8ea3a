import { env, runInDurableObject } from 'cloudflare:test'
import { aroundEach } from 'vitest'
import { durableObjectAdapter } from '../../src/durable-object.js'
import { type AdapterHarness, defineHarness } from '../support/adapter-harness.js'
import type { TestDurableObjectState } from './cloudflare-test-types.js'

let current: TestDurableObjectState | undefined

/**
 * Runs each test of the file, its `beforeEach` and `afterEach` hooks included, inside a new
 * SQLite-backed Durable Object: storage can only be reached from its object's own context.
 */
export function runEachTestInANewDurableObject(): void {
  aroundEach(async (runTest) => {
    const namespace = env.TEST_OBJECT
    await runInDurableObject(namespace.get(namespace.newUniqueId()), async (_instance, state) => {
      current = state
      try {
        await runTest()
      } finally {
        current = undefined
      }
    })
  })
}

/** The Durable Object the running test runs in. */
export function currentDurableObject(): TestDurableObjectState {
  if (!current) throw new Error('no Durable Object: call runEachTestInANewDurableObject() in the test file')
  return current
}

/**
 * The durable-object adapter on the SQLite storage of the test's Durable Object. One object is one
 * database, so a new database is the object's storage emptied (`deleteAll()`): a test's second
 * database replaces its first. A reopen is a new provider on the same storage.
 */
export function durableObjectHarness(): AdapterHarness {
  return defineHarness({
    name: 'durable-object (workerd)',
    adapter: 'durable-object',
    capabilities: { interactiveTransactions: true, persistent: true, crossTabSync: false, maxBoundParameters: 100 },
    singleDatabase: true,
    async newDatabase() {
      const { storage } = currentDurableObject()
      await storage.deleteAll()
      return { adapter: (options) => durableObjectAdapter({ ...options, storage }) }
    },
  })
}
