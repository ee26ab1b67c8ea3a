import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-browser suites have their own configs and script (`test:browser`).
    exclude: [...configDefaults.exclude, 'test/browser/**', 'test/e2e/**'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 30_000,
  },
})
