import { chromiumLaunchOptions } from '@inventory/testing/chromium'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

/**
 * The suites that need a real browser, run with `pnpm test:browser` and never by the default
 * `vitest run`: the conformance suite inside Chromium, and end-to-end tests in which Node drives
 * several real Chromium pages.
 *
 * `pnpm test:browser` loads this file with `--configLoader runner`: it imports @inventory/testing,
 * whose TypeScript source Node cannot load by itself, as the default (bundling) loader leaves it to.
 */
export default defineConfig({
  test: {
    projects: [
      {
        // sqlite-wasm finds its .wasm next to its own module; pre-bundling would move the module away.
        optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
        test: {
          name: 'chromium',
          include: ['test/chromium/**/*.chromium.test.ts'],
          // The page has no process.env; the harness registry reads ADAPTERS from import.meta.env.
          env: { ADAPTERS: process.env.ADAPTERS ?? '' },
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'pages',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
