import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer } from './support/api-contract.js'
import { hasChromium, launchChromium } from './support/chromium.js'
import { startStaticServer } from './support/static-server.js'

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, browser-only: two tabs and offline', () => {
  let server: ApiServer
  let browser: Browser
  let context: BrowserContext
  let first: Page
  let second: Page

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startStaticServer(), launchChromium()])
    context = await browser.newContext()
    first = await context.newPage()
    await first.goto(server.url)
    await first.locator('tr[data-sku="HAM-001"]').waitFor()
    second = await context.newPage()
    await second.goto(server.url)
    await second.locator('tr[data-sku="HAM-001"]').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('keeps the data in this browser, seeded once for both tabs', async () => {
    expect(await first.getByTestId('mode').textContent()).toBe('In this browser · indexeddb')
    expect(await second.locator('tbody tr[data-sku]').count()).toBe(12)
  })

  it("shows one tab's changes in the other without a reload: list, totals and recent movements", async () => {
    const units = (page: Page) => page.locator('.stat', { hasText: 'Units' }).locator('dd').textContent()
    await expect.poll(() => units(second)).toBe('129')
    await first.locator('tr[data-sku="HAM-001"]').getByRole('button', { name: 'Adjust' }).click()
    const dialog = first.getByTestId('adjust-dialog')
    await dialog.locator('[name="delta"]').fill('-4')
    await dialog.locator('[name="reason"]').fill('sale')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    await expect.poll(() => second.locator('tr[data-sku="HAM-001"] .quantity').textContent()).toBe('8')
    await expect.poll(() => units(second)).toBe('125')
    await expect.poll(() => second.locator('#movements li').first().textContent()).toMatch(/^-4HAM-001 sale/)
    // A filtered list stays live too: the sale in the other tab is seen by a low-stock view.
    await second.getByRole('button', { name: 'Low stock only' }).click()
    await expect.poll(() => second.locator('tbody tr[data-sku]').count()).toBe(4)
    await first.locator('tr[data-sku="HAM-001"]').getByRole('button', { name: 'Adjust' }).click()
    await dialog.locator('[name="delta"]').fill('-4')
    await dialog.locator('[name="reason"]').fill('sale')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    await second.locator('tr[data-sku="HAM-001"]').waitFor()
    expect(await second.locator('tr[data-sku="HAM-001"] .quantity').textContent()).toBe('4low')
    await second.getByRole('button', { name: 'Low stock only' }).click()
    await expect.poll(() => second.locator('tbody tr[data-sku]').count()).toBe(12)

    await second.getByRole('button', { name: 'Add item' }).click()
    const form = second.getByTestId('item-dialog')
    await form.locator('[name="sku"]').fill('TAB-2')
    await form.locator('[name="name"]').fill('Made in the second tab')
    await form.getByRole('button', { name: 'Add item' }).click()
    await first.locator('tr[data-sku="TAB-2"]').waitFor()
  })

  it('opens and works offline', async () => {
    await first.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await context.setOffline(true)
    try {
      await first.reload()
      await first.locator('tr[data-sku="TAB-2"]').waitFor()
      expect(await first.locator('tr[data-sku="HAM-001"] .quantity').textContent()).toBe('4low')
      await first.locator('tr[data-sku="TAB-2"]').getByRole('button', { name: 'Adjust' }).click()
      const dialog = first.getByTestId('adjust-dialog')
      await dialog.locator('[name="delta"]').fill('5')
      await dialog.locator('[name="reason"]').fill('delivery')
      await dialog.getByRole('button', { name: 'Record movement' }).click()
      await expect.poll(() => first.locator('tr[data-sku="TAB-2"] .quantity').textContent()).toBe('5')
    } finally {
      await context.setOffline(false)
    }
  })
})

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, browser-only where IndexedDB is refused', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startStaticServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** A tab of a browser or webview that refuses IndexedDB: opening a database fails. */
  const openWithoutIndexedDb = async () => {
    const context = await browser.newContext()
    await context.addInitScript(() => {
      Object.defineProperty(globalThis, 'indexedDB', {
        configurable: true,
        get() {
          throw new DOMException('IndexedDB is disabled here', 'SecurityError')
        },
      })
    })
    return { context, page: await context.newPage() }
  }

  it('falls back to localStorage and keeps changes across a reload', async () => {
    const { context, page } = await openWithoutIndexedDb()
    await page.goto(server.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    expect(await page.getByTestId('mode').textContent()).toBe('In this browser · local-storage')

    await page.locator('tr[data-sku="HAM-001"]').getByRole('button', { name: 'Adjust' }).click()
    const dialog = page.getByTestId('adjust-dialog')
    await dialog.locator('[name="delta"]').fill('-2')
    await dialog.locator('[name="reason"]').fill('sale')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    await expect.poll(() => page.locator('tr[data-sku="HAM-001"] .quantity').textContent()).toBe('10')
    await page.reload()
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    expect(await page.locator('tr[data-sku="HAM-001"] .quantity').textContent()).toBe('10')
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBeGreaterThan(0)
    await context.close()
  })

  it("says the browser's storage is full when localStorage has no room left, and loses nothing", async () => {
    const { context, page } = await openWithoutIndexedDb()
    await page.goto(server.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    expect(await page.getByTestId('mode').textContent()).toBe('In this browser · local-storage')
    // Another script of this site fills what the browser allows it to keep.
    await page.evaluate(() => {
      let size = 1 << 20
      let index = 0
      while (size >= 1) {
        try {
          localStorage.setItem(`filler-${index++}`, 'x'.repeat(size))
        } catch {
          size = Math.floor(size / 2)
        }
      }
    })

    await page.getByRole('button', { name: 'Add item' }).click()
    const dialog = page.getByTestId('item-dialog')
    await dialog.locator('[name="sku"]').fill('FULL-1')
    await dialog.locator('[name="name"]').fill('Item for a full browser')
    await dialog.getByRole('button', { name: 'Add item' }).click()
    await expect.poll(() => dialog.locator('.form-error').textContent()).toContain("this browser's storage is full")

    await page.evaluate(() => {
      for (const key of Object.keys(localStorage)) if (key.startsWith('filler-')) localStorage.removeItem(key)
    })
    await dialog.getByRole('button', { name: 'Add item' }).click()
    await page.locator('tr[data-sku="FULL-1"]').waitFor()
    await page.reload()
    await page.locator('tr[data-sku="FULL-1"]').waitFor()
    expect(await page.locator('tbody tr[data-sku]').count()).toBe(13)
    await context.close()
  })
})
