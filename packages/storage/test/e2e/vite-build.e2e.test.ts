import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { build, preview } from 'vite'
import { afterAll, expect, it } from 'vitest'
import { chromiumLaunchOptions } from '@inventory/testing/chromium'
import type { Tab } from './tab-page.js'

const outDir = mkdtempSync(join(tmpdir(), 'inventory-storage-vite-build-'))
let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
  rmSync(outDir, { recursive: true, force: true })
})

it('runs from a Vite production build, which ships sqlite3.wasm as an asset', async () => {
  await build({
    root: fileURLToPath(new URL('.', import.meta.url)),
    configFile: false,
    logLevel: 'error',
    build: { outDir },
  })
  expect(readdirSync(join(outDir, 'assets')).some((file) => file.endsWith('.wasm'))).toBe(true)
  const server = await preview({
    root: outDir,
    configFile: false,
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
  })
  try {
    const url = server.resolvedUrls?.local[0]
    if (!url) throw new Error('the preview server has no address')
    browser = await chromium.launch(chromiumLaunchOptions())
    const page = await browser.newPage()
    await page.goto(`${url}index.html`)
    await page.waitForFunction(() => 'tab' in globalThis)
    const counter = await page.evaluate(async () => {
      const { tab } = globalThis as unknown as { tab: Tab }
      await tab.open('vite-build')
      await tab.increment(3)
      return tab.counter()
    })
    expect(counter).toBe(3)
  } finally {
    await new Promise((resolve) => server.httpServer.close(resolve))
  }
})
