import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CSV_COLUMNS, formatCsv } from '../src/domain/csv.js'
import { sampleItems } from '../src/domain/sample-items.js'
import type { ApiServer } from './support/api-contract.js'
import { hasChromium, launchChromium } from './support/chromium.js'
import { startNodeApiServer } from './support/node-api-server.js'
import { startStaticServer } from './support/static-server.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'

const resultsDir = fileURLToPath(new URL('../test-results/', import.meta.url))

describeSite('served from Node on sqlite', 'Server · sqlite', 'main-page.png', startNodeApiServer)
describeSite(
  'served by Pages Functions on a local D1',
  'Server · d1',
  'main-page-d1.png',
  async () => {
    const server = await startWranglerApiServer()
    const csv = formatCsv(
      CSV_COLUMNS,
      sampleItems.map((item) => CSV_COLUMNS.map((column) => item[column])),
    )
    const response = await fetch(`${server.url}/api/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csv }),
    })
    if (response.status !== 200) throw new Error(`could not load the sample items: ${await response.text()}`)
    return server
  },
  { backups: /wrangler d1 export/ },
)

describeSite(
  'kept in the browser (static files, no API)',
  'In this browser · indexeddb',
  'main-page-browser.png',
  startStaticServer,
)

/**
 * The same visit, whatever serves the site; the server starts with the sample items. `backups` is
 * what the page says when backups are not possible there (D1), otherwise they are.
 */
function describeSite(
  name: string,
  mode: string,
  screenshot: string,
  start: () => Promise<ApiServer>,
  { backups }: { backups?: RegExp } = {},
) {
  // Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
  describe.skipIf(!hasChromium)(`site in Chromium, ${name}`, () => {
    let server: ApiServer
    let browser: Browser
    let page: Page

    beforeAll(async () => {
      ;[server, browser] = await Promise.all([start(), launchChromium()])
      page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true })
      await page.goto(server.url)
    })
    afterAll(async () => {
      await browser?.close()
      await server?.close()
    })

    const row = (sku: string) => page.locator(`tr[data-sku="${sku}"]`)

    it('shows the sample inventory with its totals and where the data is kept', async () => {
      await expect.poll(() => page.locator('tbody tr').count()).toBe(12)
      expect(await page.getByTestId('mode').textContent()).toBe(mode)
      await expect.poll(() => page.locator('.stat', { hasText: 'Items' }).locator('dd').textContent()).toBe('12')
      mkdirSync(resultsDir, { recursive: true })
      await page.screenshot({ path: resultsDir + screenshot, fullPage: true })
    })

    it('adds an item through the form', async () => {
      await page.getByRole('button', { name: 'Add item' }).click()
      const dialog = page.getByTestId('item-dialog')
      await dialog.locator('[name="sku"]').fill('E2E-1')
      await dialog.locator('[name="name"]').fill('Wheelbarrow 90 l')
      await dialog.locator('[name="quantity"]').fill('3')
      await dialog.locator('[name="category"]').fill('Garden')
      await dialog.locator('[name="reorder_level"]').fill('1')
      await dialog.locator('[name="unit_cost"]').fill('64.5')
      await dialog.getByRole('button', { name: 'Add item' }).click()
      await row('E2E-1').waitFor()
      expect(await row('E2E-1').locator('.quantity').textContent()).toBe('3')
      // Polled: in the browser-only build the totals and filters are a live query of their own.
      await expect
        .poll(() => page.locator('#category-options, select[name="category"] option').allTextContents())
        .toContain('Garden')
    })

    it('shows a duplicate SKU next to the SKU field', async () => {
      await page.getByRole('button', { name: 'Add item' }).click()
      const dialog = page.getByTestId('item-dialog')
      await dialog.locator('[name="sku"]').fill('HAM-001')
      await dialog.locator('[name="name"]').fill('Second hammer')
      await dialog.getByRole('button', { name: 'Add item' }).click()
      const error = dialog.locator('[data-field="sku"] .field-error')
      await expect.poll(() => error.textContent()).toBe('already used by another item')
      expect(await dialog.locator('[name="sku"]').getAttribute('aria-invalid')).toBe('true')
      await dialog.locator('[name="quantity"]').fill('-4')
      await dialog.locator('[name="sku"]').fill('HAM-009')
      await dialog.getByRole('button', { name: 'Add item' }).click()
      await expect
        .poll(() => dialog.locator('[data-field="quantity"] .field-error').textContent())
        .toBe('cannot be negative')
      await dialog.getByRole('button', { name: 'Close' }).click()
      expect(await row('HAM-009').count()).toBe(0)
    })

    it('adjusts stock with a reason, refuses overselling, and keeps it after a reload', async () => {
      await row('E2E-1').getByRole('button', { name: 'Adjust' }).click()
      const dialog = page.getByTestId('adjust-dialog')
      await dialog.locator('[name="delta"]').fill('-5')
      await dialog.locator('[name="reason"]').fill('sale')
      await dialog.getByRole('button', { name: 'Record movement' }).click()
      await expect.poll(() => dialog.locator('[data-field="delta"] .field-error').textContent()).toBe('only 3 in stock')
      await dialog.locator('[name="delta"]').fill('-2')
      await dialog.getByRole('button', { name: 'Record movement' }).click()
      await expect.poll(() => row('E2E-1').locator('.quantity').textContent()).toBe('1low')

      await page.reload()
      await row('E2E-1').waitFor()
      expect(await row('E2E-1').locator('.quantity').textContent()).toBe('1low')
      await row('E2E-1').getByRole('button', { name: 'Wheelbarrow 90 l' }).click()
      const details = page.getByTestId('details-dialog')
      await expect
        .poll(() => details.locator('.timeline li').allTextContents())
        .toEqual([expect.stringContaining('-2sale'), expect.stringContaining('+3opening stock')])
      await details.getByRole('button', { name: 'Close' }).click()
    })

    it('filters by search, category and low stock', async () => {
      await page.getByLabel('Search').fill('wheel')
      await expect.poll(() => page.locator('tbody tr').count()).toBe(1)
      await page.getByLabel('Search').fill('')
      await page.getByLabel('Category').selectOption('Paint')
      const skus = () =>
        page.locator('tbody tr[data-sku]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-sku')))
      await expect.poll(skus).toEqual(['BRS-50', 'SND-120', 'PNT-WH-2.5'])
      await page.getByRole('button', { name: 'Low stock only' }).click()
      await expect.poll(() => page.locator('tbody tr[data-sku]').count()).toBe(1)
      expect(await page.locator('tbody tr[data-sku]').getAttribute('data-sku')).toBe('SND-120')
      await page.getByRole('button', { name: 'Low stock only' }).click()
      await page.getByLabel('Category').selectOption('')
      await expect.poll(() => page.locator('tbody tr[data-sku]').count()).toBe(13)
    })

    it('exports CSV and imports an edited copy after a preview with per-row errors', async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ])
      const exported = readFileSync((await download.path()) as string, 'utf8')
      expect(exported.split('\r\n')[0]).toBe('sku,name,quantity,location,category,reorder_level,unit_cost')
      expect(exported).toContain('E2E-1,Wheelbarrow 90 l,1,,Garden,1,64.5')

      const edited = exported.replace('E2E-1,Wheelbarrow 90 l,1,', 'E2E-1,Wheelbarrow 90 l,8,')
      const withError = `${edited}E2E-2,Shovel,lots,,Garden,0,0\r\n`
      await page.getByRole('button', { name: 'Import CSV' }).click()
      const dialog = page.getByTestId('import-dialog')
      await dialog.locator('textarea').fill(withError)
      await dialog.getByRole('button', { name: 'Preview' }).click()
      await expect
        .poll(() => dialog.getByTestId('import-summary').textContent())
        .toBe('0 to create, 13 to update, 1 with errors')
      expect(await dialog.locator('tr.row-error').textContent()).toContain('quantity: a whole number')
      expect(await dialog.getByRole('button', { name: 'Import' }).isDisabled()).toBe(true)

      await dialog.locator('textarea').fill(`${edited}E2E-2,Shovel,6,,Garden,0,0\r\n`)
      await dialog.getByRole('button', { name: 'Preview' }).click()
      await expect
        .poll(() => dialog.getByTestId('import-summary').textContent())
        .toBe('1 to create, 13 to update, 0 with errors')
      await dialog.getByRole('button', { name: 'Import' }).click()
      await row('E2E-2').waitFor()
      expect(await row('E2E-2').locator('.quantity').textContent()).toBe('6')
      expect(await row('E2E-1').locator('.quantity').textContent()).toBe('8')
    })

    if (backups === undefined) {
      it('downloads a backup, and restoring it brings back the data of that moment', async () => {
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: 'Download backup' }).click(),
        ])
        expect(download.suggestedFilename()).toMatch(/^inventory-\d{4}-\d{2}-\d{2}T\d{4}\.sqlite$/)
        const file = (await download.path()) as string
        expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')

        await row('E2E-1').getByRole('button', { name: 'Adjust' }).click()
        const adjust = page.getByTestId('adjust-dialog')
        await adjust.locator('[name="delta"]').fill('-8')
        await adjust.locator('[name="reason"]').fill('sale')
        await adjust.getByRole('button', { name: 'Record movement' }).click()
        await expect.poll(() => row('E2E-1').locator('.quantity').textContent()).toBe('0low')
        await page.getByRole('button', { name: 'Add item' }).click()
        const form = page.getByTestId('item-dialog')
        await form.locator('[name="sku"]').fill('E2E-3')
        await form.locator('[name="name"]').fill('Made after the backup')
        await form.getByRole('button', { name: 'Add item' }).click()
        await row('E2E-3').waitFor()

        await page.getByRole('button', { name: 'Restore from backup' }).click()
        const dialog = page.getByTestId('restore-dialog')
        // A file that is not a backup is refused in the dialog, and nothing changes.
        await dialog.getByLabel('Backup file').setInputFiles({
          name: 'inventory.sqlite',
          mimeType: 'application/vnd.sqlite3',
          buffer: Buffer.from('sku,name\r\nX-1,not a database\r\n'),
        })
        await dialog.getByRole('button', { name: 'Restore' }).click()
        await expect.poll(() => dialog.locator('.form-error').textContent()).toMatch(/^the file cannot be restored/)
        expect(await row('E2E-3').count()).toBe(1)

        await dialog.getByLabel('Backup file').setInputFiles(file)
        await dialog.getByRole('button', { name: 'Restore' }).click()
        await expect
          .poll(() => page.locator('#toast').textContent())
          .toMatch(/^Restored the backup: 14 items, \d+ movements$/)
        // The dialog closes before the toast shows; it leaves the page on its `close` event, a task later.
        await expect.poll(() => dialog.count()).toBe(0)
        await expect.poll(() => row('E2E-3').count()).toBe(0)
        expect(await row('E2E-1').locator('.quantity').textContent()).toBe('8')

        await page.reload()
        await row('E2E-1').waitFor()
        expect(await row('E2E-1').locator('.quantity').textContent()).toBe('8')
        expect(await row('E2E-3').count()).toBe(0)
        expect(await page.locator('tbody tr[data-sku]').count()).toBe(14)
      })
    } else {
      it('says what the platform offers instead of a backup download', async () => {
        await page.getByRole('button', { name: 'Download backup' }).click()
        await expect.poll(() => page.locator('#toast').textContent()).toMatch(backups)
      })
    }
  })
}

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, with a write token on the server', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startNodeApiServer({ apiToken: 'shop-token' }), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** Adds an item through the form; `token` answers the token dialog, when it is asked. */
  const addItem = async (page: Page, sku: string, answers: { token: string; remember?: boolean }[]) => {
    const asked: string[] = []
    await page.getByRole('button', { name: 'Add item' }).click()
    const dialog = page.getByTestId('item-dialog')
    await dialog.locator('[name="sku"]').fill(sku)
    await dialog.locator('[name="name"]').fill('Added with a token')
    await dialog.getByRole('button', { name: 'Add item' }).click()
    const row = page.locator(`tr[data-sku="${sku}"]`)
    const tokenDialog = page.getByTestId('token-dialog')
    for (const answer of answers) {
      await tokenDialog.waitFor()
      asked.push((await tokenDialog.locator('.lead').textContent()) ?? '')
      await tokenDialog.locator('[name="token"]').fill(answer.token)
      if (answer.remember) await tokenDialog.getByLabel('Remember on this device').check()
      // This dialog, not the next one, which opens as soon as a refused token comes back.
      const shown = await tokenDialog.elementHandle()
      await tokenDialog.getByRole('button', { name: 'Continue' }).click()
      await shown?.waitForElementState('hidden')
    }
    await row.waitFor()
    return asked
  }
  const savedTokens = (page: Page) =>
    page.evaluate(() => ({
      session: sessionStorage.getItem('inventory-api-token'),
      device: localStorage.getItem('inventory-api-token'),
    }))

  /** A tab of a fresh browser profile, showing the inventory. */
  const openTab = async (context: BrowserContext) => {
    const page = await context.newPage()
    await page.goto(server.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    return page
  }

  it('asks for the token on the first change and again when it is refused, keeping it for this tab only', async () => {
    const context = await browser.newContext()
    const page = await openTab(context)
    expect(await page.getByTestId('token-dialog').count()).toBe(0)
    expect(await addItem(page, 'TOK-1', [{ token: 'wrong-token' }, { token: 'shop-token' }])).toEqual([
      'Changes need the API token.',
      'The API token was refused. Enter the right one.',
    ])
    expect(await savedTokens(page)).toEqual({ session: 'shop-token', device: null })
    expect(await addItem(page, 'TOK-2', [])).toEqual([])

    const otherTab = await openTab(context)
    expect(await addItem(otherTab, 'TOK-3', [{ token: 'shop-token' }])).toEqual(['Changes need the API token.'])
    await context.close()
  })

  it('keeps the token on this device when "Remember on this device" is ticked', async () => {
    const context = await browser.newContext()
    const page = await openTab(context)
    expect(await addItem(page, 'TOK-4', [{ token: 'shop-token', remember: true }])).toEqual([
      'Changes need the API token.',
    ])
    expect(await savedTokens(page)).toEqual({ session: null, device: 'shop-token' })
    const otherTab = await openTab(context)
    expect(await addItem(otherTab, 'TOK-5', [])).toEqual([])
    await context.close()
  })
})

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, when the server does not answer', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startNodeApiServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('shows an error with a retry button, keeps nothing in the browser, and opens the server after a retry', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const failures = [
      (route: Route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }),
      (route: Route) => route.abort('connectionreset'),
    ]
    await page.route('**/api/health', (route) => (failures.shift() ?? ((next: Route) => next.continue()))(route))
    const keptInBrowser = () =>
      page.evaluate(async () => ({
        databases: (await indexedDB.databases()).map((database) => database.name),
        localStorage: Object.keys(localStorage),
      }))
    const fatal = page.locator('#fatal')

    await page.goto(server.url)
    await expect.poll(() => fatal.isVisible()).toBe(true)
    expect(await fatal.locator('h1').textContent()).toBe('The inventory could not start')
    expect(await page.locator('#fatal-message').textContent()).toContain('502')
    mkdirSync(resultsDir, { recursive: true })
    await page.screenshot({ path: `${resultsDir}health-502-retry.png` })
    expect(await keptInBrowser()).toEqual({ databases: [], localStorage: [] })

    await page.getByRole('button', { name: 'Try again' }).click()
    await expect.poll(() => page.locator('#fatal-message').textContent()).toContain('cannot be reached')
    expect(await fatal.isVisible()).toBe(true)

    await page.getByRole('button', { name: 'Try again' }).click()
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    expect(await page.getByTestId('mode').textContent()).toBe('Server · sqlite')
    expect(await fatal.isVisible()).toBe(false)
    expect(await keptInBrowser()).toEqual({ databases: [], localStorage: [] })
    await context.close()
  })

  it('does not report a change as done when something other than the API answers it, like a Wi-Fi login page', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(server.url)
    const row = page.locator('tr[data-sku="HAM-001"]')
    await row.waitFor()
    // A captive portal or a misrouted proxy: 200, with a page of its own instead of the API's JSON.
    const portal = (route: Route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Log in to use the Wi-Fi</h1>' })
    await page.route('**/api/items/*', (route) =>
      route.request().method() === 'DELETE' ? portal(route) : route.continue(),
    )
    await page.route('**/api/import', portal)
    page.on('dialog', (dialog) => dialog.accept())

    await row.getByRole('button', { name: 'Edit' }).click()
    await page.getByTestId('item-dialog').getByRole('button', { name: 'Delete' }).click()
    const toast = page.locator('#toast')
    await expect.poll(() => toast.textContent()).toContain('not the inventory API')
    expect(await toast.textContent()).not.toContain('Deleted')
    await page.getByTestId('item-dialog').getByRole('button', { name: 'Close' }).click()

    await page.getByRole('button', { name: 'Import CSV' }).click()
    const importDialog = page.getByTestId('import-dialog')
    await importDialog.locator('textarea').fill('sku,name\r\nWIFI-1,Portal\r\n')
    await importDialog.getByRole('button', { name: 'Preview' }).click()
    await expect
      .poll(() => importDialog.getByTestId('import-summary').textContent())
      .toBe('1 to create, 0 to update, 0 with errors')
    await importDialog.getByRole('button', { name: 'Import' }).click()
    await expect.poll(() => importDialog.locator('.form-error').textContent()).toContain('not the inventory API')
    expect(await toast.textContent()).not.toContain('Imported')

    const { items } = (await (await fetch(`${server.url}/api/items`)).json()) as { items: { sku: string }[] }
    expect(items.map((item) => item.sku)).toContain('HAM-001')
    expect(items.map((item) => item.sku)).not.toContain('WIFI-1')
    await context.close()
  })
})

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, offline', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startNodeApiServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('keeps the page for offline use, not an API error or a script that a navigation fetched', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(server.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
      if (!navigator.serviceWorker.controller) {
        await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }))
      }
    })
    // Navigations the service worker sees: a mistyped address, a link to the worker's own script.
    for (const path of ['/api', '/service-worker.js']) {
      await page.goto(server.url + path)
      await context.setOffline(true)
      await page.goto(server.url)
      expect(await page.title(), `offline after visiting ${path}`).toBe('Inventory')
      await expect.poll(() => page.locator('#fatal-message').textContent()).toContain('cannot be reached')
      await context.setOffline(false)
    }
    await context.close()
  })
})

// Skipped only on a machine without Chromium, never in CI (see support/chromium.ts).
describe.skipIf(!hasChromium)('site in Chromium, on a slow network', () => {
  let server: ApiServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startNodeApiServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('records a stock movement once when its answer was lost and the user sends it again', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(server.url)
    const row = page.locator('tr[data-sku="GLV-L"]')
    await row.waitFor()
    const before = Number.parseInt((await row.locator('.quantity').textContent()) ?? '', 10)
    // The first request reaches the server and is recorded; its answer is lost on the way back.
    let lost = false
    await page.route('**/api/items/*/adjust', async (route) => {
      if (lost) return route.continue()
      lost = true
      await route.fetch()
      await route.abort('connectionreset')
    })
    await row.getByRole('button', { name: 'Adjust' }).click()
    const dialog = page.getByTestId('adjust-dialog')
    await dialog.locator('[name="delta"]').fill('5')
    await dialog.locator('[name="reason"]').fill('delivery')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    await expect.poll(() => dialog.locator('.form-error').textContent()).toContain('cannot be reached')
    await dialog.getByRole('button', { name: 'Record movement' }).click()
    await expect.poll(() => row.locator('.quantity').textContent()).toMatch(new RegExp(`^${before + 5}`))

    const api = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T
    const { items } = await api<{ items: { id: number; sku: string }[] }>('/api/items?q=GLV-L')
    const id = items.find((item) => item.sku === 'GLV-L')?.id
    const { movements } = await api<{ movements: { delta: number; reason: string }[] }>(`/api/items/${id}`)
    expect(movements.filter((movement) => movement.reason === 'delivery')).toEqual([
      expect.objectContaining({ delta: 5 }),
    ])
    await context.close()
  })

  it('imports the text the dialog shows: a late preview of an older text, or an edit after the preview, never counts', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(server.url)
    await page.locator('tr[data-sku="HAM-001"]').waitFor()
    // The first preview's answer is held back until the second one has been shown.
    let releaseFirst: () => void = () => undefined
    const firstHeld = new Promise<void>((done) => (releaseFirst = done))
    let firstDelivered: Promise<void> | undefined
    await page.route('**/api/import/preview', async (route) => {
      if (firstDelivered) return route.continue()
      firstDelivered = route.fetch().then(async (response) => {
        await firstHeld
        await route.fulfill({ response })
      })
    })
    await page.getByRole('button', { name: 'Import CSV' }).click()
    const dialog = page.getByTestId('import-dialog')
    const summary = dialog.getByTestId('import-summary')
    const importButton = dialog.getByRole('button', { name: 'Import' })
    await dialog.locator('textarea').fill('sku,name\r\nOLD-1,First draft\r\nOLD-2,First draft\r\n')
    await dialog.getByRole('button', { name: 'Preview' }).click()
    await dialog.locator('textarea').fill('sku,name,quantity\r\nNEW-1,Second draft,5\r\n')
    await dialog.getByRole('button', { name: 'Preview' }).click()
    await expect.poll(() => summary.textContent()).toBe('1 to create, 0 to update, 0 with errors')
    releaseFirst()
    await firstDelivered
    // Time for the page to read and show the late answer, were it to.
    await page.evaluate(() => new Promise((done) => setTimeout(done, 300)))
    expect(await summary.textContent()).toBe('1 to create, 0 to update, 0 with errors')

    // Changing the text after its preview asks for a new preview before anything is imported.
    await dialog.locator('textarea').fill('sku,name,quantity\r\nNEW-1,Second draft,7\r\n')
    expect(await importButton.isDisabled()).toBe(true)
    await dialog.getByRole('button', { name: 'Preview' }).click()
    await expect.poll(() => importButton.isDisabled()).toBe(false)
    await importButton.click()
    await page.locator('tr[data-sku="NEW-1"]').waitFor()
    expect(await page.locator('tr[data-sku="NEW-1"] .quantity').textContent()).toBe('7')
    expect(await page.locator('tr[data-sku^="OLD-"]').count()).toBe(0)
    await context.close()
  })
})
