import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PageServer, startPageServer } from './page-server.js'
import type { Tab } from './tab-page.js'

let server: PageServer

beforeAll(async () => {
  server = await startPageServer(new URL('.', import.meta.url))
})

afterAll(async () => {
  await server?.close()
})

async function openPage(
  context: Awaited<ReturnType<PageServer['browser']['newContext']>>,
  name: string,
  adapter: 'indexeddb' | 'local-storage' = 'indexeddb',
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${server.url}/index.html`)
  await page.waitForFunction(() => 'tab' in globalThis)
  await page.evaluate(([database, kind]) => (globalThis as unknown as { tab: Tab }).tab.open(database, kind), [
    name,
    adapter,
  ] as const)
  return page
}

const call = <K extends keyof Tab>(page: Page, method: K, ...args: unknown[]) =>
  page.evaluate(
    ([name, parameters]) => {
      const tab = (globalThis as unknown as { tab: Record<string, (...values: unknown[]) => unknown> }).tab
      return tab[name as string]?.(...(parameters as unknown[]))
    },
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<Tab[K]>>>

describe('indexeddb in Chromium: two pages of one origin', () => {
  it('lose no update when both write at once, and hear about each other’s commits', async () => {
    const context = await server.browser.newContext()
    const first = await openPage(context, 'two-pages')
    const second = await openPage(context, 'two-pages')
    await Promise.all([call(first, 'increment', 200), call(second, 'increment', 200)])
    await expect.poll(() => call(first, 'counter'), { timeout: 5000 }).toBe(400)
    await expect.poll(() => call(second, 'counter'), { timeout: 5000 }).toBe(400)
    expect(await call(first, 'remoteChanges')).toBeGreaterThan(0)
    expect(await call(second, 'remoteChanges')).toBeGreaterThan(0)
    await context.close()
  })

  it('keeps every acknowledged write, and nothing torn, when a page closes in the middle of a write loop', async () => {
    const context = await server.browser.newContext()
    const writer = await openPage(context, 'closed-mid-loop')
    const acknowledged: number[] = []
    await writer.exposeFunction('acknowledge', (n: number) => {
      acknowledged.push(n)
    })
    void writer
      .evaluate(() => {
        const page = globalThis as unknown as { tab: Tab; acknowledge: (n: number) => Promise<void> }
        return page.tab.writeForever(page.acknowledge)
      })
      .catch(() => undefined)
    await expect.poll(() => acknowledged.length, { timeout: 10_000 }).toBeGreaterThan(40)
    await writer.close()

    const reopened = await openPage(context, 'closed-mid-loop')
    const logged = await call(reopened, 'logged')
    const last = Math.max(...acknowledged)
    expect(logged.length).toBeGreaterThanOrEqual(last)
    expect(logged).toEqual(Array.from({ length: logged.length }, (_, i) => i + 1))
    expect(await call(reopened, 'integrity')).toEqual([{ integrity_check: 'ok' }])
    await call(reopened, 'increment', 1)
    expect(await call(reopened, 'counter')).toBe(1)
    await context.close()
  })
})

describe('local-storage in Chromium: two pages of one origin', () => {
  it('lose no update when both write at once, and hear about each other’s commits through storage events', async () => {
    const context = await server.browser.newContext()
    const first = await openPage(context, 'two-pages-ls', 'local-storage')
    const second = await openPage(context, 'two-pages-ls', 'local-storage')
    await Promise.all([call(first, 'increment', 100), call(second, 'increment', 100)])
    await expect.poll(() => call(first, 'counter'), { timeout: 5000 }).toBe(200)
    await expect.poll(() => call(second, 'counter'), { timeout: 5000 }).toBe(200)
    expect(await call(first, 'remoteChanges')).toBeGreaterThan(0)
    expect(await call(second, 'remoteChanges')).toBeGreaterThan(0)
    await context.close()
  })
})

describe('indexeddb in Chromium: two pages migrating while they write', () => {
  it('apply each migration once, lose no write, and refuse an older release instead of corrupting', async () => {
    const context = await server.browser.newContext()
    const first = await openPage(context, 'migrating-pages')
    const second = await openPage(context, 'migrating-pages')
    const firstRelease = await Promise.all([call(first, 'migrate', 1), call(second, 'migrate', 1)])
    expect(firstRelease.flatMap((report) => ('applied' in report ? report.applied : [report.message]))).toEqual([
      '0001_notes',
    ])

    // One page writes notes with the old schema while the other upgrades and writes too.
    await Promise.all([
      call(first, 'addNotes', 40, 'old release'),
      call(second, 'migrate', 2),
      call(second, 'addNotes', 40, 'new release'),
    ])
    await expect.poll(() => call(first, 'noteCount'), { timeout: 5000 }).toBe(80)
    expect(await call(first, 'noteColumns')).toEqual(['id', 'text', 'tag'])

    // A page still running the first release meets the newer schema: a clear error, nothing changed.
    const stale = await openPage(context, 'migrating-pages')
    const refused = await call(stale, 'migrate', 1)
    expect(refused).toMatchObject({ error: 'MigrationError' })
    expect('message' in refused ? refused.message : '').toContain('0002_note_tags')
    for (const page of [first, second, stale]) {
      expect(await call(page, 'integrity')).toEqual([{ integrity_check: 'ok' }])
      await expect.poll(() => call(page, 'noteCount'), { timeout: 5000 }).toBe(80)
    }
    await context.close()
  })
})
