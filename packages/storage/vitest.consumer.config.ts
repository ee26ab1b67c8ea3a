import { defineConfig } from 'vitest/config'

/** Consumer smoke tests: the packed package installed with npm outside the workspace. Slow. */
export default defineConfig({
  test: {
    include: ['test/consumer/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
})
