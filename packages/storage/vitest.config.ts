import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-browser suites, workerd suites and consumer smoke tests have their own configs and scripts.
    exclude: [...configDefaults.exclude, 'test/chromium/**', 'test/e2e/**', 'test/consumer/**', 'test/workerd/**'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 30_000,
  },
})
