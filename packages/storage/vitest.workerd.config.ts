import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/**
 * Tests that run inside workerd, the Workers runtime: the durable-object adapter on the SQLite
 * storage of real Durable Objects (test/workerd/test-worker.ts declares their class).
 */
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './test/workerd/test-worker.ts',
      miniflare: {
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        durableObjects: { TEST_OBJECT: { className: 'TestObject', useSQLite: true } },
      },
    }),
  ],
  test: {
    include: ['test/workerd/**/*.test.ts'],
    // The reference half of the differential run, in Node: better-sqlite3 does not run in workerd.
    globalSetup: ['./test/workerd/differential-reference.ts'],
    testTimeout: 30_000,
  },
})
