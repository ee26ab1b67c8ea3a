import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Pages in Chromium load SQLite's WASM or wait for a server; give polled assertions room on slow machines.
    expect: { poll: { timeout: 10_000 } },
  },
})
