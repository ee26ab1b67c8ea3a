import { defineConfig } from 'vitest/config'

/** End-to-end tests: Node drives real Chromium pages served by Vite (`pnpm test:browser`). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
