import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiServer, describeApiContract } from './support/api-contract.js'
import { describeHostileInputContract } from './support/hostile-input-contract.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'

describeApiContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer, {
  databaseFiles: { instead: /wrangler d1 export .*wrangler d1 execute .*--file/ },
})
describeHostileInputContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer)

describe('Pages Functions: D1 session bookmarks (wrangler pages dev)', () => {
  let server: ApiServer
  beforeAll(async () => {
    server = await startWranglerApiServer()
  })
  afterAll(() => server?.close())

  const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(server.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })

  it('answers a write with a bookmark, and a request carrying it reads that write', async () => {
    const created = await send('POST', '/api/items', {}, { sku: 'BM-1', name: 'Bookmark clamp', quantity: 3 })
    expect(created.status).toBe(201)
    const bookmark = created.headers.get('x-d1-bookmark') as string
    expect(bookmark).toMatch(BOOKMARK)

    const listed = await send('GET', '/api/items?q=BM-1', { 'x-d1-bookmark': bookmark })
    expect(listed.status).toBe(200)
    const { items } = (await listed.json()) as { items: { sku: string; quantity: number }[] }
    expect(items).toEqual([expect.objectContaining({ sku: 'BM-1', quantity: 3 })])
    expect((listed.headers.get('x-d1-bookmark') as string) >= bookmark).toBe(true)

    const adjusted = await send(
      'POST',
      `/api/items/${(await created.json()).item.id}/adjust`,
      {
        'x-d1-bookmark': bookmark,
      },
      { delta: -1, reason: 'sale' },
    )
    expect(adjusted.status).toBe(200)
    expect((adjusted.headers.get('x-d1-bookmark') as string) > bookmark).toBe(true)
  })

  it('refuses a bookmark header that is not one, before it reaches D1', async () => {
    for (const value of ['first-primary; drop table items', 'zz', 'x'.repeat(300)]) {
      const response = await send('GET', '/api/items', { 'x-d1-bookmark': value })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: { code: 'bad_request' } })
    }
  })
})
