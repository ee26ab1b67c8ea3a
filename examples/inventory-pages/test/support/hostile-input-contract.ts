import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer, StartApiServer } from './api-contract.js'

/**
 * What an attacker or an unlucky network can send, run against any server: no such request
 * changes data, and every answer says what was wrong.
 */
export function describeHostileInputContract(name: string, start: StartApiServer): void {
  describe(`${name}: hostile input`, () => {
    let server: ApiServer
    beforeAll(async () => {
      server = await start({})
    })
    afterAll(() => server?.close())

    const send = async (method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> }) => {
      const response = await fetch(server.url + path, { method, ...init })
      const text = await response.text()
      const type = response.headers.get('content-type') ?? ''
      return {
        status: response.status,
        headers: response.headers,
        text,
        body: type.startsWith('application/json') ? JSON.parse(text) : text,
      }
    }
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      send(method, path, {
        headers: { 'content-type': 'application/json', ...headers },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
    const create = async (item: Record<string, unknown>) => {
      const { status, body } = await call('POST', '/api/items', item)
      expect(status, JSON.stringify(body)).toBe(201)
      return body.item as { id: number; sku: string; name: string; quantity: number }
    }
    const skusLike = async (prefix: string) =>
      ((await call('GET', `/api/items?q=${encodeURIComponent(prefix)}`)).body.items as { sku: string }[])
        .map((item) => item.sku)
        .filter((sku) => sku.startsWith(prefix))
    const itemById = async (id: number) => (await call('GET', `/api/items/${id}`)).body

    describe('cross-site writes', () => {
      it('refuses a write whose body is not declared as JSON with 415, and stores nothing', async () => {
        const item = await create({ sku: 'CT-0', name: 'Target', quantity: 5 })
        const json = JSON.stringify({ sku: 'CT-1', name: 'Planted' })
        for (const [method, path, body, type] of [
          ['POST', '/api/items', json, 'text/plain'],
          ['POST', '/api/items', json, 'application/x-www-form-urlencoded'],
          ['POST', '/api/items', json, 'multipart/form-data; boundary=x'],
          ['POST', `/api/items/${item.id}/adjust`, JSON.stringify({ delta: -5, reason: 'x' }), 'text/plain'],
          ['PATCH', `/api/items/${item.id}`, JSON.stringify({ name: 'Renamed' }), 'text/plain;charset=UTF-8'],
          ['POST', '/api/import', JSON.stringify({ csv: 'sku,name\r\nCT-2,Planted\r\n' }), 'text/plain'],
        ] as const) {
          const answer = await send(method, path, { body, headers: { 'content-type': type } })
          expect(answer.status, `${method} ${path} as ${type}`).toBe(415)
          expect(answer.body.error.code).toBe('unsupported_media_type')
        }
        // A body with no type at all, as `fetch(url, { body: blob })` sends it.
        const untyped = await send('POST', '/api/items', { body: new Blob([json]) })
        expect(untyped.status).toBe(415)
        expect(await skusLike('CT-')).toEqual(['CT-0'])
        expect((await itemById(item.id)).item).toMatchObject({ name: 'Target', quantity: 5 })
      })

      it('refuses writes that a page on another site sends, with 403, and stores nothing', async () => {
        const item = await create({ sku: 'CS-0', name: 'Target', quantity: 5 })
        const foreign: Record<string, string>[] = [
          { origin: 'https://attacker.example' },
          { origin: 'null' },
          { origin: server.url.replace('127.0.0.1', 'localhost') },
          { 'sec-fetch-site': 'cross-site' },
          { origin: server.url, 'sec-fetch-site': 'cross-site' },
        ]
        for (const headers of foreign) {
          const label = JSON.stringify(headers)
          for (const [method, path, body] of [
            ['POST', '/api/items', { sku: 'CS-1', name: 'Planted' }],
            ['POST', `/api/items/${item.id}/adjust`, { delta: -5, reason: 'stolen' }],
            ['PATCH', `/api/items/${item.id}`, { name: 'Renamed' }],
            ['DELETE', `/api/items/${item.id}`, undefined],
            ['POST', '/api/import', { csv: 'sku,name\r\nCS-2,Planted\r\n' }],
          ] as const) {
            const answer = await call(method, path, body, headers)
            expect(answer.status, `${method} ${path} with ${label}`).toBe(403)
            expect(answer.body.error.code).toBe('forbidden')
          }
        }
        expect(await skusLike('CS-')).toEqual(['CS-0'])
        const after = await itemById(item.id)
        expect(after.item).toMatchObject({ name: 'Target', quantity: 5 })
        expect(after.movements).toHaveLength(1)
      })

      it('accepts writes from its own pages and from clients that send no Origin', async () => {
        const own = await call('POST', '/api/items', { sku: 'SO-1', name: 'Same origin' }, { origin: server.url })
        expect(own.status).toBe(201)
        const fetched = await call(
          'POST',
          '/api/items',
          { sku: 'SO-2', name: 'Same origin, fetch metadata' },
          { origin: server.url, 'sec-fetch-site': 'same-origin' },
        )
        expect(fetched.status).toBe(201)
        const script = await call('POST', '/api/items', { sku: 'SO-3', name: 'No origin' })
        expect(script.status).toBe(201)
        expect((await skusLike('SO-')).sort()).toEqual(['SO-1', 'SO-2', 'SO-3'])
      })
    })

    describe('security headers', () => {
      it('sends a Content-Security-Policy and frame protection with the page, and nosniff with everything', async () => {
        const page = await send('GET', '/', {})
        expect(page.status).toBe(200)
        const policy = page.headers.get('content-security-policy') ?? ''
        expect(policy).toContain("default-src 'self'")
        expect(policy).toContain("frame-ancestors 'none'")
        expect(policy).toContain("object-src 'none'")
        expect(page.headers.get('x-frame-options')).toBe('DENY')
        expect(page.headers.get('x-content-type-options')).toBe('nosniff')

        const script = /<script[^>]+src="([^"]+)"/.exec(page.text)?.[1] as string
        const answers = await Promise.all([
          send('GET', script, {}),
          send('GET', '/service-worker.js', {}),
          send('GET', '/api/health', {}),
          send('GET', '/api/export', {}),
          send('GET', '/api/nothing-here', {}),
          call('POST', '/api/items', '{'),
        ])
        for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
      })
    })
  })
}
