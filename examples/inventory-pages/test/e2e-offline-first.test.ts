import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer } from './support/api-contract.js'
import { hasChromium, launchChromium } from './support/chromium.js'
import { startNodeApiServer } from './support/node-api-server.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'

const resultsDir = fileURLToPath(new URL('../test-results/', import.meta.url))
const SITE = 'dist-offline-first'

describeOfflineFirst('served from Node on sqlite', 'offline-first.png', () => startNodeApiServer({ site: SITE }))
describeOfflineFirst('served by Pages Functions on a local D1', 'offline-first-d1.png', () =>
  startWranglerApiServer({ site: SITE }),
)

/**
 * The offline-first build in Chromium: two devices (two browser contexts, each with its own
 * replica in IndexedDB) on one server, one of them going offline.
 */
function describeOfflineFirst(name: string, screenshot: string, start: () => Promise<ApiServer>) {
  // Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
  describe.skipIf(!hasChromium)(`offline-first site in Chromium, ${name}`, () => {
    let server: ApiServer
    let browser: Browser
    const contexts: BrowserContext[] = []
    let counter: Page
    let van: Page
    const ids: Record<string, number> = {}

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(server.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return response.json()
    }
    const serverQuantity = async (sku: string) => (await api('GET', `/api/items/${ids[sku]}`)).item.quantity as number
    const openDevice = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      contexts.push(context)
      const page = await context.newPage()
      await page.goto(server.url)
      await page.locator('tr[data-sku="OF-SELL"]').waitFor()
      return page
    }
    const quantity = (page: Page, sku: string) => page.locator(`tr[data-sku="${sku}"] .quantity`).textContent()
    const syncState = (page: Page) => page.getByTestId('sync-state')
    const units = (page: Page) => page.locator('.stat', { hasText: 'Units' }).locator('dd').textContent()
    const sell = async (page: Page, sku: string, count: number) => {
      await page.locator(`tr[data-sku="${sku}"]`).getByRole('button', { name: 'Adjust' }).click()
      const dialog = page.getByTestId('adjust-dialog')
      await dialog.locator('[name="delta"]').fill(String(-count))
      await dialog.locator('[name="reason"]').fill('sale')
      await dialog.getByRole('button', { name: 'Record movement' }).click()
      await dialog.waitFor({ state: 'detached' })
    }

    beforeAll(async () => {
      ;[server, browser] = await Promise.all([start(), launchChromium()])
      for (const [sku, quantity] of [
        ['OF-SELL', 5],
        ['OF-LAST', 2],
      ] as const) {
        ids[sku] = (await api('POST', '/api/items', { sku, name: `Offline ${sku}`, quantity })).item.id
      }
      counter = await openDevice()
      van = await openDevice()
    })
    afterAll(async () => {
      await browser?.close()
      await server?.close()
    })

    it('shows the replica, the sync state and the pending count in the header', async () => {
      expect(await counter.getByTestId('mode').textContent()).toBe('Offline-first · indexeddb')
      await expect.poll(() => syncState(counter).getAttribute('data-state')).toBe('idle')
      expect(await syncState(counter).textContent()).toBe('Synced')
      expect(await quantity(van, 'OF-SELL')).toBe('5')
    })

    it('two devices sell the same item, one of them offline: both end with the server’s 3, no sale lost', async () => {
      await van.evaluate(async () => {
        await navigator.serviceWorker.ready
        if (!navigator.serviceWorker.controller) {
          await new Promise((done) =>
            navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }),
          )
        }
      })
      // The worker keeps the files this page loaded, SQLite's .wasm among them, to open offline.
      const keptFiles = () =>
        van.evaluate(async () => (await (await caches.open('inventory-site-v2')).keys()).map((request) => request.url))
      await expect.poll(async () => (await keptFiles()).some((url) => url.endsWith('.wasm'))).toBe(true)
      await contexts[1]?.setOffline(true)
      await sell(counter, 'OF-SELL', 1)
      await sell(van, 'OF-SELL', 1)
      // Each shows its own sale at once; the van's waits for the network.
      await expect.poll(() => quantity(van, 'OF-SELL')).toBe('4')
      await expect.poll(() => syncState(van).textContent()).toBe('Offline · 1 pending')
      expect(await syncState(van).getAttribute('data-state')).toBe('offline')
      await expect.poll(() => syncState(counter).textContent()).toBe('Synced')
      expect(await serverQuantity('OF-SELL')).toBe(4)
      // Reopened offline (the service worker keeps the page), it shows the replica and the pending sale.
      await van.reload()
      await expect.poll(() => quantity(van, 'OF-SELL')).toBe('4')
      await expect.poll(() => syncState(van).textContent()).toBe('Offline · 1 pending')
      mkdirSync(resultsDir, { recursive: true })
      // The header and the top of the list: the README shows it (docs/offline-first.png).
      await van.screenshot({
        path: resultsDir + screenshot.replace('.png', '-offline.png'),
        clip: { x: 0, y: 0, width: 1280, height: 560 },
      })

      // Back online, the van pushes its sale at once (the browser's `online` event).
      await contexts[1]?.setOffline(false)
      await expect.poll(() => syncState(van).textContent()).toBe('Synced')
      await expect.poll(() => quantity(van, 'OF-SELL')).toBe('3')
      expect(await serverQuantity('OF-SELL')).toBe(3)
      const { movements } = await api('GET', `/api/items/${ids['OF-SELL']}`)
      expect(movements.map((movement: { delta: number }) => movement.delta)).toEqual([-1, -1, 5])
      // The counter pulls at its next round; a click on the state syncs now.
      await syncState(counter).click()
      await expect.poll(() => quantity(counter, 'OF-SELL')).toBe('3')
      const { items } = await api('GET', '/api/items')
      const serverUnits = String(items.reduce((sum: number, item: { quantity: number }) => sum + item.quantity, 0))
      await expect.poll(() => units(counter)).toBe(serverUnits)
      await expect.poll(() => units(van)).toBe(serverUnits)
      await expect.poll(() => van.locator('#movements li').first().textContent()).toMatch(/^-1OF-SELL sale/)
      await counter.screenshot({ path: resultsDir + screenshot })
    })

    it('shows a sale the server refuses, and the stock goes back to the server’s', async () => {
      await contexts[1]?.setOffline(true)
      await sell(van, 'OF-LAST', 2)
      await expect.poll(() => quantity(van, 'OF-LAST')).toBe('0low')
      // Meanwhile one of the two is sold at the counter.
      await sell(counter, 'OF-LAST', 1)
      await expect.poll(() => serverQuantity('OF-LAST')).toBe(1)

      await contexts[1]?.setOffline(false)
      const toast = van.locator('#toast')
      await expect
        .poll(() => toast.textContent())
        .toBe('The server refused a stock movement (-2, sale): not enough in stock. It has been undone.')
      await expect.poll(() => quantity(van, 'OF-LAST')).toBe('1')
      await expect.poll(() => syncState(van).textContent()).toBe('Synced')
      const { movements } = await api('GET', `/api/items/${ids['OF-LAST']}`)
      expect(movements.map((movement: { delta: number }) => movement.delta)).toEqual([-1, 2])
    })
  })
}

describe.skipIf(!hasChromium)('offline-first site in Chromium, with a write token on the server', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startNodeApiServer({ site: SITE, apiToken: 'shop-token' }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('asks for the token to sync, again when it is refused, and then syncs', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    const tokenDialog = page.getByTestId('token-dialog')
    const answer = async (token: string) => {
      const shown = await tokenDialog.elementHandle()
      await tokenDialog.locator('[name="token"]').fill(token)
      await tokenDialog.getByRole('button', { name: 'Continue' }).click()
      await shown?.waitForElementState('hidden')
    }
    await expect.poll(() => tokenDialog.locator('.lead').textContent()).toBe('Changes need the API token.')
    await answer('wrong-token')
    await expect
      .poll(() => tokenDialog.locator('.lead').textContent())
      .toBe('The API token was refused. Enter the right one.')
    await answer('shop-token')
    await expect.poll(() => page.getByTestId('sync-state').textContent()).toBe('Synced')
    await page.locator('tr[data-sku="HAM-001"]').waitFor()

    await page.locator('tr[data-sku="HAM-001"]').getByRole('button', { name: 'Adjust' }).click()
    const dialog = page.getByTestId('adjust-dialog')
    await dialog.locator('[name="delta"]').fill('-1')
    await dialog.locator('[name="reason"]').fill('sale')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    // Not "pending 0" first: right after the click the sale may not be queued yet, and 0 is what was shown before.
    const serverQuantity = async () =>
      (await (await fetch(`${server.url}/api/items?q=HAM-001`)).json()).items[0].quantity
    await expect.poll(serverQuantity).toBe(11)
    await expect.poll(() => page.getByTestId('sync-state').getAttribute('data-pending')).toBe('0')
    expect(await tokenDialog.count()).toBe(0)
  })
})
