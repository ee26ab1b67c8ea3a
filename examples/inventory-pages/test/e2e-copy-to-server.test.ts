import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer } from './support/api-contract.js'
import { hasChromium, launchChromium } from './support/chromium.js'
import { startNodeApiServer } from './support/node-api-server.js'
import { startStaticServer } from './support/static-server.js'

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, browser-only: copy this browser’s inventory to a server', () => {
  let site: ApiServer
  let server: ApiServer
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    // The browser-only site and the Node server are two sites (two ports): the copy is a cross-site request.
    ;[site, server, browser] = await Promise.all([
      startStaticServer(),
      startNodeApiServer({ apiToken: 'copy-token' }),
      launchChromium(),
    ])
    page = await browser.newPage()
    await page.goto(site.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([site?.close(), server?.close()])
  })

  const copy = async (token: string) => {
    await page.getByRole('button', { name: 'Copy to a server' }).click()
    const dialog = page.getByTestId('copy-dialog')
    await dialog.locator('[name="url"]').fill(server.url)
    await dialog.locator('[name="token"]').fill(token)
    await dialog.getByRole('button', { name: 'Copy' }).click()
    return dialog
  }

  it('copies the items the server lacks, with their history, and lists those whose SKU it has', async () => {
    await page.getByRole('button', { name: 'Add item' }).click()
    const form = page.getByTestId('item-dialog')
    await form.locator('[name="sku"]').fill('COPY-1')
    await form.locator('[name="name"]').fill('Made in the browser')
    await form.locator('[name="quantity"]').fill('3')
    await form.getByRole('button', { name: 'Add item' }).click()
    await page.locator('tr[data-sku="COPY-1"]').getByRole('button', { name: 'Adjust' }).click()
    const adjust = page.getByTestId('adjust-dialog')
    await adjust.locator('[name="delta"]').fill('-1')
    await adjust.locator('[name="reason"]').fill('sale')
    await adjust.getByRole('button', { name: 'Record movement' }).click()
    await expect.poll(() => page.locator('tr[data-sku="COPY-1"] .quantity').textContent()).toBe('2')

    const refused = await copy('not-the-token')
    await expect
      .poll(() => refused.locator('.form-error').textContent())
      .toMatch(/^the server refused the copy \(sync failed \(401\)/)
    await refused.getByRole('button', { name: 'Close' }).click()

    const dialog = await copy('copy-token')
    const summary = dialog.getByTestId('copy-summary')
    await expect.poll(() => summary.textContent()).toMatch(/^Copied 1 item\. Not copied: /)
    // The server was seeded with the same sample items: those are left alone, each named.
    expect(await summary.textContent()).toContain('HAM-001 (the server has an item with this SKU)')
    expect((await summary.textContent())?.match(/the server has an item with this SKU/g)).toHaveLength(12)

    const { items } = await (await fetch(`${server.url}/api/items?q=COPY-1`)).json()
    expect(items).toEqual([expect.objectContaining({ sku: 'COPY-1', name: 'Made in the browser', quantity: 2 })])
    const { movements } = await (await fetch(`${server.url}/api/items/${items[0].id}`)).json()
    expect(
      movements.map(({ delta, reason, quantity_after }: Record<string, unknown>) => [delta, reason, quantity_after]),
    ).toEqual([
      [-1, 'sale', 2],
      [3, 'opening stock', 3],
    ])
    const hammer = await (await fetch(`${server.url}/api/items?q=HAM-001`)).json()
    expect(hammer.items[0].quantity).toBe(12)

    // Copied again, nothing is copied twice.
    await dialog.getByRole('button', { name: 'Copy' }).click()
    await expect.poll(() => summary.textContent()).toMatch(/^Copied 0 items\. Not copied: .*COPY-1 \(the server/)
    expect((await (await fetch(`${server.url}/api/items?q=COPY-1`)).json()).items).toHaveLength(1)
    await dialog.getByRole('button', { name: 'Close' }).click()
    // This browser keeps its inventory as it was.
    expect(await page.locator('tbody tr[data-sku]').count()).toBe(13)
    expect(await page.getByTestId('mode').textContent()).toBe('In this browser · indexeddb')
  })

  it('says what to do when the server has no token, since then it takes no copy from another site', async () => {
    const open = await startNodeApiServer()
    try {
      await page.getByRole('button', { name: 'Copy to a server' }).click()
      const dialog = page.getByTestId('copy-dialog')
      await dialog.locator('[name="url"]').fill(open.url)
      await dialog.locator('[name="token"]').fill('any-token')
      await dialog.getByRole('button', { name: 'Copy' }).click()
      await expect
        .poll(() => dialog.locator('.form-error').textContent())
        .toMatch(/\(403\).*only with the server's write token \(INVENTORY_API_TOKEN\)/)
      const { items } = await (await fetch(`${open.url}/api/items?q=COPY-1`)).json()
      expect(items).toEqual([])
      await dialog.getByRole('button', { name: 'Close' }).click()
    } finally {
      await open.close()
    }
  })
})
