import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { chromiumLaunchOptions } from './chromium-launch.js'

/** The suites that need a real browser: run with `pnpm test:browser`, never by the default `vitest run`. */
export default defineConfig({
  // sqlite-wasm finds its .wasm next to its own module; pre-bundling would move the module away.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: chromiumLaunchOptions }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
