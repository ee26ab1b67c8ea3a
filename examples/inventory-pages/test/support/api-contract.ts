import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** A running API under test: where it listens and how to stop it. */
export interface ApiServer {
  readonly url: string
  close(): Promise<void>
}

/** Starts a server on a fresh database; with `apiToken`, writes need that bearer token. */
export type StartApiServer = (options: { apiToken?: string }) => Promise<ApiServer>

/** What a server's storage can do beyond the common routes. */
export interface ApiCapabilities {
  /**
   * `true` where `GET /api/backup` and `POST /api/restore` move whole SQLite files; otherwise what
   * their 501 answer must say the platform offers instead.
   */
  readonly databaseFiles: true | { readonly instead: RegExp }
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\0'

/**
 * Every route and error case of the API, run against any server: the Node server on SQLite and
 * Pages Functions on a local D1 must answer the same.
 */
export function describeApiContract(
  name: string,
  start: StartApiServer,
  capabilities: ApiCapabilities = { databaseFiles: true },
): void {
  describe(`${name}: API`, () => {
    let server: ApiServer
    beforeAll(async () => {
      server = await start({})
    })
    afterAll(() => server?.close())

    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(server.url + path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
      const text = await response.text()
      const type = response.headers.get('content-type') ?? ''
      return { status: response.status, type, body: type.startsWith('application/json') ? JSON.parse(text) : text }
    }
    const create = async (item: Record<string, unknown>) => {
      const { status, body } = await call('POST', '/api/items', item)
      expect(status).toBe(201)
      return body.item as { id: number; sku: string; quantity: number }
    }
    const itemCount = async () => (await call('GET', '/api/items')).body.items.length as number

    it('reports health and the adapter in use', async () => {
      const { status, body } = await call('GET', '/api/health')
      expect(status).toBe(200)
      expect(body).toMatchObject({ ok: true, writes_require_token: false })
      expect(typeof body.adapter).toBe('string')
    })

    it('creates an item and records its opening stock as a movement', async () => {
      const item = await create({
        sku: 'API-1',
        name: 'Bench vice',
        quantity: 5,
        location: 'Bay 9',
        category: 'Vices',
        reorder_level: 2,
        unit_cost: 39.5,
      })
      expect(item).toMatchObject({
        sku: 'API-1',
        name: 'Bench vice',
        quantity: 5,
        location: 'Bay 9',
        category: 'Vices',
        reorder_level: 2,
        unit_cost: 39.5,
      })
      const { status, body } = await call('GET', `/api/items/${item.id}`)
      expect(status).toBe(200)
      expect(body.item.sku).toBe('API-1')
      expect(body.movements).toMatchObject([{ delta: 5, reason: 'opening stock', quantity_after: 5, sku: 'API-1' }])
    })

    it('searches by name or SKU and filters by category, location and low stock', async () => {
      await create({
        sku: 'FLT-A',
        name: 'Orange traffic cone',
        quantity: 1,
        category: 'Signs',
        location: 'Yard',
        reorder_level: 3,
      })
      await create({
        sku: 'FLT-B',
        name: 'Warning sign',
        quantity: 10,
        category: 'Signs',
        location: 'Shed',
        reorder_level: 3,
      })
      const skus = async (query: string) =>
        ((await call('GET', `/api/items?${query}`)).body.items as { sku: string }[]).map((item) => item.sku)
      expect(await skus('q=traffic')).toEqual(['FLT-A'])
      expect(await skus('q=flt-b')).toEqual(['FLT-B'])
      expect(await skus('category=Signs')).toEqual(['FLT-A', 'FLT-B'])
      expect(await skus('category=Signs&location=Shed')).toEqual(['FLT-B'])
      expect(await skus('category=Signs&low_stock=true')).toEqual(['FLT-A'])
      const { body } = await call('GET', '/api/items')
      expect(body.overview.categories).toContain('Signs')
      expect(body.overview.locations).toEqual(expect.arrayContaining(['Shed', 'Yard']))
    })

    it('finds a name with capitals beyond ASCII when searched as written, and ASCII in any case', async () => {
      await create({ sku: 'UNI-1', name: 'Ölfilter Ärmel' })
      const skus = async (q: string) =>
        ((await call('GET', `/api/items?q=${encodeURIComponent(q)}`)).body.items as { sku: string }[]).map(
          (item) => item.sku,
        )
      expect(await skus('Ölfilter')).toEqual(['UNI-1'])
      expect(await skus('ÖLFILTER ÄRMEL')).toEqual(['UNI-1'])
    })

    it('rejects bad filters naming the parameter', async () => {
      const { status, body } = await call('GET', '/api/items?low_stock=maybe&colour=red')
      expect(status).toBe(400)
      expect(Object.keys(body.error.fields).sort()).toEqual(['colour', 'low_stock'])
    })

    it('rejects invalid items with 400 naming each field, and stores nothing', async () => {
      const before = await itemCount()
      const { status, body } = await call('POST', '/api/items', {
        sku: ' ',
        name: 'x',
        quantity: -1,
        unit_cost: 'cheap',
        colour: 'red',
      })
      expect(status).toBe(400)
      expect(body.error.code).toBe('invalid_input')
      expect(Object.keys(body.error.fields).sort()).toEqual(['colour', 'quantity', 'sku', 'unit_cost'])
      expect(await itemCount()).toBe(before)
    })

    it('rejects a body that is not JSON', async () => {
      const { status, body } = await call('POST', '/api/items', '{"sku": ')
      expect(status).toBe(400)
      expect(body.error).toMatchObject({ code: 'invalid_json', fields: { body: 'not valid JSON' } })
    })

    it('answers a duplicate SKU with 409 naming sku, and stores nothing', async () => {
      await create({ sku: 'DUP-1', name: 'First' })
      const before = await itemCount()
      const { status, body } = await call('POST', '/api/items', { sku: 'DUP-1', name: 'Second' })
      expect(status).toBe(409)
      expect(body.error).toMatchObject({ code: 'conflict', fields: { sku: 'already used by another item' } })
      expect(await itemCount()).toBe(before)
    })

    it('rejects an oversized body with 413', async () => {
      const { status, body } = await call('POST', '/api/items', { sku: 'BIG-1', name: 'x'.repeat(2 * 1024 * 1024) })
      expect(status).toBe(413)
      expect(body.error.code).toBe('payload_too_large')
      expect((await call('GET', '/api/items?q=BIG-1')).body.items).toEqual([])
    })

    it('updates an item, refusing a SKU another item has', async () => {
      const item = await create({ sku: 'UPD-1', name: 'Old name' })
      await create({ sku: 'UPD-2', name: 'Other' })
      const renamed = await call('PATCH', `/api/items/${item.id}`, { name: 'New name', reorder_level: 4 })
      expect(renamed.status).toBe(200)
      expect(renamed.body.item).toMatchObject({ sku: 'UPD-1', name: 'New name', reorder_level: 4, quantity: 0 })
      const clash = await call('PATCH', `/api/items/${item.id}`, { sku: 'UPD-2' })
      expect(clash.status).toBe(409)
      expect(clash.body.error.fields).toEqual({ sku: 'already used by another item' })
      const quantity = await call('PATCH', `/api/items/${item.id}`, { quantity: 9 })
      expect(quantity.status).toBe(400)
      expect(quantity.body.error.fields).toEqual({ quantity: 'unknown field' })
    })

    it('answers 404 for an unknown item and 400 for an id that is not one', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/items/999999'],
        ['PATCH', '/api/items/999999', { name: 'x' }],
        ['DELETE', '/api/items/999999'],
        ['POST', '/api/items/999999/adjust', { delta: 1, reason: 'found' }],
      ] as const) {
        const response = await call(method, path, body)
        expect(response.status, `${method} ${path}`).toBe(404)
        expect(response.body.error.code).toBe('not_found')
      }
      const bad = await call('GET', '/api/items/abc')
      expect(bad.status).toBe(400)
      expect(bad.body.error.fields).toEqual({ id: 'a positive whole number' })
    })

    it('deletes an item and its history', async () => {
      const item = await create({ sku: 'DEL-1', name: 'Doomed', quantity: 2 })
      expect((await call('DELETE', `/api/items/${item.id}`)).status).toBe(204)
      expect((await call('GET', `/api/items/${item.id}`)).status).toBe(404)
      expect((await call('GET', `/api/movements?item_id=${item.id}`)).body.movements).toEqual([])
    })

    it('adjusts stock and records the movement with its reason', async () => {
      const item = await create({ sku: 'ADJ-1', name: 'Paint roller', quantity: 10 })
      const sale = await call('POST', `/api/items/${item.id}/adjust`, { delta: -3, reason: 'sale' })
      expect(sale.status).toBe(200)
      expect(sale.body.item.quantity).toBe(7)
      expect(sale.body.movement).toMatchObject({ item_id: item.id, delta: -3, reason: 'sale', quantity_after: 7 })
      const delivery = await call('POST', `/api/items/${item.id}/adjust`, { delta: 5, reason: 'delivery' })
      expect(delivery.body.item.quantity).toBe(12)
      const { body } = await call('GET', `/api/movements?item_id=${item.id}`)
      expect(
        body.movements.map((movement: { delta: number; reason: string }) => [movement.delta, movement.reason]),
      ).toEqual([
        [5, 'delivery'],
        [-3, 'sale'],
        [10, 'opening stock'],
      ])
    })

    it('refuses to take out more than is in stock, storing neither quantity nor movement', async () => {
      const item = await create({ sku: 'ADJ-2', name: 'Ladder', quantity: 2 })
      const { status, body } = await call('POST', `/api/items/${item.id}/adjust`, { delta: -3, reason: 'sale' })
      expect(status).toBe(409)
      expect(body.error.fields).toEqual({ delta: 'only 2 in stock' })
      const after = await call('GET', `/api/items/${item.id}`)
      expect(after.body.item.quantity).toBe(2)
      expect(after.body.movements).toHaveLength(1)
    })

    it('rejects invalid adjustments naming the fields', async () => {
      const item = await create({ sku: 'ADJ-3', name: 'Trowel', quantity: 2 })
      const { status, body } = await call('POST', `/api/items/${item.id}/adjust`, { delta: 0, reason: '' })
      expect(status).toBe(400)
      expect(body.error.fields).toEqual({ delta: 'cannot be zero', reason: 'required' })
      const fraction = await call('POST', `/api/items/${item.id}/adjust`, { delta: 1.5, reason: 'x' })
      expect(fraction.body.error.fields).toEqual({ delta: 'a whole number' })
    })

    it('lists the latest movements and validates the limit', async () => {
      const { status, body } = await call('GET', '/api/movements?limit=2')
      expect(status).toBe(200)
      expect(body.movements).toHaveLength(2)
      expect(body.movements[0].id).toBeGreaterThan(body.movements[1].id)
      expect(body.movements[0]).toHaveProperty('sku')
      const bad = await call('GET', '/api/movements?limit=0')
      expect(bad.status).toBe(400)
      expect(bad.body.error.fields).toEqual({ limit: 'at least 1' })
    })

    it('exports CSV and imports it back with a preview and per-row errors', async () => {
      await create({ sku: 'CSV-1', name: 'Hose, 25 m "garden"', quantity: 4, unit_cost: 19.99 })
      const exported = await call('GET', '/api/export')
      expect(exported.status).toBe(200)
      expect(exported.type).toContain('text/csv')
      expect(exported.body.split('\r\n')[0]).toBe('sku,name,quantity,location,category,reorder_level,unit_cost')
      expect(exported.body).toContain('CSV-1,"Hose, 25 m ""garden""",4,,,0,19.99')

      const unchanged = await call('POST', '/api/import/preview', { csv: exported.body })
      expect(unchanged.status).toBe(200)
      expect(unchanged.body.create_count).toBe(0)
      expect(unchanged.body.error_count).toBe(0)

      const csv =
        'sku,name,quantity\r\nCSV-1,Garden hose,6\r\nCSV-2,Sprinkler,3\r\n,No sku,1\r\nCSV-3,Rake,-2\r\nCSV-2,Again,1\r\n'
      const preview = await call('POST', '/api/import/preview', { csv })
      expect(preview.body.rows.map((row: { line: number; action: string }) => [row.line, row.action])).toEqual([
        [2, 'update'],
        [3, 'create'],
        [4, 'error'],
        [5, 'error'],
        [6, 'error'],
      ])
      expect(preview.body.rows[2].errors).toEqual({ sku: 'required' })
      expect(preview.body.rows[3].errors).toEqual({ quantity: 'cannot be negative' })
      expect(preview.body.rows[4].errors).toEqual({ sku: 'repeats line 3' })

      const rejected = await call('POST', '/api/import', { csv })
      expect(rejected.status).toBe(400)
      expect(rejected.body.error.rows.map((row: { line: number }) => row.line)).toEqual([4, 5, 6])
      expect((await call('GET', '/api/items?q=CSV-2')).body.items).toEqual([])

      const valid = 'sku,name,quantity,category\r\nCSV-1,Garden hose,6,Garden\r\nCSV-2,Sprinkler,3,Garden\r\n'
      const applied = await call('POST', '/api/import', { csv: valid })
      expect(applied.status).toBe(200)
      expect(applied.body).toEqual({ created: 1, updated: 1 })
      const garden = (await call('GET', '/api/items?category=Garden')).body.items
      expect(garden.map((item: { sku: string; quantity: number }) => [item.sku, item.quantity])).toEqual([
        ['CSV-1', 6],
        ['CSV-2', 3],
      ])
      const history = (await call('GET', `/api/items/${garden[0].id}`)).body.movements
      expect(history[0]).toMatchObject({ delta: 2, reason: 'CSV import', quantity_after: 6 })
    })

    it('rejects a CSV without the required header', async () => {
      const { status, body } = await call('POST', '/api/import/preview', { csv: 'name,quantity\r\nx,1\r\n' })
      expect(status).toBe(400)
      expect(body.error.fields).toHaveProperty('csv')
      const missing = await call('POST', '/api/import', {})
      expect(missing.status).toBe(400)
      expect(missing.body.error.fields).toHaveProperty('csv')
    })

    const restore = (bytes: Uint8Array<ArrayBuffer> | string, type = 'application/vnd.sqlite3') =>
      fetch(`${server.url}/api/restore`, { method: 'POST', headers: { 'content-type': type }, body: bytes })
    const skus = async () =>
      ((await call('GET', '/api/items')).body.items as { sku: string }[]).map((item) => item.sku).sort()

    if (capabilities.databaseFiles === true) {
      it('downloads a backup as a SQLite file and restores it, bringing back the data of that moment', async () => {
        await create({ sku: 'BAK-1', name: 'Kept in the backup', quantity: 4 })
        const backup = await fetch(`${server.url}/api/backup`)
        expect(backup.status).toBe(200)
        expect(backup.headers.get('content-type')).toBe('application/vnd.sqlite3')
        expect(backup.headers.get('content-disposition')).toMatch(
          /^attachment; filename="inventory-\d{4}-\d{2}-\d{2}T\d{4}\.sqlite"$/,
        )
        const file = new Uint8Array(await backup.arrayBuffer())
        expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SQLITE_HEADER)
        const atBackup = await skus()
        expect(atBackup).toContain('BAK-1')

        await create({ sku: 'BAK-2', name: 'Made after the backup' })
        const kept = (await call('GET', '/api/items?q=BAK-1')).body.items[0]
        expect((await call('DELETE', `/api/items/${kept.id}`)).status).toBe(204)
        expect(await skus()).not.toContain('BAK-1')

        const restored = await restore(file)
        expect(restored.status).toBe(200)
        expect(await restored.json()).toMatchObject({ restored: true, items: atBackup.length })
        expect(await skus()).toEqual(atBackup)
        const item = (await call('GET', `/api/items/${kept.id}`)).body
        expect(item.item).toMatchObject({ sku: 'BAK-1', quantity: 4 })
        expect(item.movements).toMatchObject([{ delta: 4, reason: 'opening stock' }])
        // The restored database takes writes as before.
        const sale = await call('POST', `/api/items/${kept.id}/adjust`, { delta: -1, reason: 'sale' })
        expect(sale.status).toBe(200)
        expect(sale.body.item.quantity).toBe(3)
      })

      it('refuses a file that is not a SQLite database, or is damaged, with 422 and keeps the data', async () => {
        const before = await skus()
        const file = new Uint8Array(await (await fetch(`${server.url}/api/backup`)).arrayBuffer())
        const damaged = file.slice()
        damaged.fill(0xa5, 100, 4096 * 2)
        for (const bytes of [
          'sku,name\r\nX-1,not a database\r\n',
          file.subarray(0, 1000),
          file.subarray(0, file.byteLength - 4096),
          damaged,
          new Uint8Array(0),
        ]) {
          const response = await restore(bytes)
          expect(response.status).toBe(422)
          const body = (await response.json()) as { error: { code: string; message: string } }
          expect(body.error.code).toBe('invalid_backup')
          expect(body.error.message).toMatch(/^the file cannot be restored: .+\. Nothing was changed$/)
          expect(await skus()).toEqual(before)
        }
      })

      it('takes a backup only as a SQLite or binary body', async () => {
        const before = await skus()
        const file = new Uint8Array(await (await fetch(`${server.url}/api/backup`)).arrayBuffer())
        const response = await restore(file, 'text/plain')
        expect(response.status).toBe(415)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type')
        expect(await skus()).toEqual(before)
      })
    } else {
      const { instead } = capabilities.databaseFiles
      it('answers backup and restore with 501 saying what the platform offers instead, and keeps the data', async () => {
        const before = await skus()
        const backup = await call('GET', '/api/backup')
        expect(backup.status).toBe(501)
        expect(backup.body.error.code).toBe('not_implemented')
        expect(backup.body.error.message).toMatch(instead)
        const restored = await restore('SQLite format 3\0')
        expect(restored.status).toBe(501)
        const body = (await restored.json()) as { error: { code: string; message: string } }
        expect(body.error.code).toBe('not_implemented')
        expect(body.error.message).toMatch(instead)
        expect(await skus()).toEqual(before)
      })
    }

    it('answers unknown routes with 404 and wrong methods with 405', async () => {
      expect((await call('GET', '/api/nothing-here')).status).toBe(404)
      expect((await call('GET', '/api/items/1/explode')).status).toBe(404)
      const wrong = await call('PUT', '/api/items')
      expect(wrong.status).toBe(405)
      expect(wrong.body.error.code).toBe('method_not_allowed')
      expect((await call('POST', '/api/backup', {})).status).toBe(405)
      expect((await call('GET', '/api/restore')).status).toBe(405)
    })
  })

  describe(`${name}: API with a write token`, () => {
    let server: ApiServer
    beforeAll(async () => {
      server = await start({ apiToken: 'let-me-write' })
    })
    afterAll(() => server?.close())

    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ sku: 'TOK-1', name: 'Guarded' }),
      })

    it('refuses writes without the right bearer token and stores nothing', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'let-me-write' }] as Record<
        string,
        string
      >[]) {
        const response = await post(headers)
        expect(response.status).toBe(401)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
      }
      const list = (await (await fetch(`${server.url}/api/items?q=TOK-1`)).json()) as { items: unknown[] }
      expect(list.items).toEqual([])
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as { writes_require_token: boolean }
      expect(health.writes_require_token).toBe(true)
    })

    it('refuses a restore without the right bearer token, keeping the data', async () => {
      const before = await (await fetch(`${server.url}/api/items`)).text()
      for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
        const response = await fetch(`${server.url}/api/restore`, {
          method: 'POST',
          headers: { 'content-type': 'application/vnd.sqlite3', ...headers },
          body: 'SQLite format 3\0',
        })
        expect(response.status).toBe(401)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
      }
      expect(await (await fetch(`${server.url}/api/items`)).text()).toBe(before)
    })

    it('accepts writes with the token', async () => {
      const response = await post({ authorization: 'Bearer let-me-write' })
      expect(response.status).toBe(201)
    })
  })
}
