import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, exportDatabase, type StorageProvider } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import { type Migration, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { migrations } from '../src/domain/migrations.js'
import type { InventoryDB } from '../src/domain/schema.js'
import { sampleItems } from '../src/domain/sample-items.js'
import { startNodeServer } from '../src/server/node-server.js'
import { type ApiServer, describeApiContract } from './support/api-contract.js'
import { describeHostileInputContract } from './support/hostile-input-contract.js'
import { startNodeApiServer } from './support/node-api-server.js'

describeApiContract('Node server on sqlite', startNodeApiServer)
describeHostileInputContract('Node server on sqlite', startNodeApiServer)

describe('Node server on sqlite: first start', () => {
  it('seeds the sample items once and keeps the data in its file across restarts', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
    const options = { filename: join(folder, 'inventory.sqlite'), port: 0, staticDir: folder }
    try {
      const first = await startNodeServer(options)
      expect(first.seeded).toBe(true)
      const created = await fetch(`${first.url}/api/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'KEEP-1', name: 'Kept' }),
      })
      expect(created.status).toBe(201)
      await first.close()

      const second = await startNodeServer(options)
      expect(second.seeded).toBe(false)
      const { items } = (await (await fetch(`${second.url}/api/items`)).json()) as { items: { sku: string }[] }
      expect(items.map((item) => item.sku).sort()).toEqual([...sampleItems.map((item) => item.sku), 'KEEP-1'].sort())
      await second.close()
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})

describe('Node server on sqlite: the request target alone picks the route', () => {
  let server: ApiServer
  const logged = vi.spyOn(console, 'error')
  beforeAll(async () => {
    server = await startNodeApiServer()
  })
  afterAll(async () => {
    await server?.close()
    logged.mockRestore()
  })

  /** Sends `head` (request line and headers) and `body` as they are; resolves with the status and body. */
  const raw = (head: string[], body = '') =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const { hostname, port } = new URL(server.url)
      const socket = connect(Number(port), hostname)
      let answer = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk) => {
        answer += chunk
      })
      socket.on('error', fail)
      socket.on('end', () => {
        const [, status] = /^HTTP\/1\.1 (\d{3})/.exec(answer) ?? []
        done({ status: Number(status), body: answer.slice(answer.indexOf('\r\n\r\n') + 4) })
      })
      const length = body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []
      socket.end(`${[...head, ...length, 'Connection: close', '', ''].join('\r\n')}${body}`)
    })
  const hostOf = () => new URL(server.url).host
  const skus = async () =>
    ((await (await fetch(`${server.url}/api/items`)).json()) as { items: { sku: string }[] }).items.map(
      (item) => item.sku,
    )

  it('does not let a Host header turn a request for a file into an API write', async () => {
    const before = await skus()
    const body = JSON.stringify({ sku: 'HOST-1', name: 'Planted through Host' })
    const planted = await raw(
      ['POST /assets/x.css HTTP/1.1', 'Host: x/api/items#', 'Content-Type: application/json'],
      body,
    )
    expect(planted.status).toBe(400)
    const wrongMethod = await raw(
      ['POST /assets/x.css HTTP/1.1', `Host: ${hostOf()}`, 'Content-Type: application/json'],
      body,
    )
    expect(wrongMethod.status).toBe(405)
    expect(await skus()).toEqual(before)
  })

  it('does not log a client that hangs up in the middle of its body as a server error', async () => {
    logged.mockClear()
    const before = await skus()
    const { hostname, port } = new URL(server.url)
    const socket = connect(Number(port), hostname)
    await new Promise((done) => socket.once('connect', done))
    const head = ['POST /api/items HTTP/1.1', `Host: ${hostOf()}`, 'Content-Type: application/json']
    socket.write(`${[...head, 'Content-Length: 1000', '', ''].join('\r\n')}{"sku":"CUT-1","name":"Cut o`)
    await new Promise((done) => setTimeout(done, 100))
    socket.destroy()
    // The server finds out when its read of the body fails; give it the time to answer no one.
    await new Promise((done) => setTimeout(done, 200))
    expect(await skus()).toEqual(before)
    expect(logged).not.toHaveBeenCalled()
  })

  it("answers only for this machine's names and addresses, so a rebound DNS name cannot read or write", async () => {
    // A page of attacker.example whose name now points to 127.0.0.1: to the browser it is the same origin.
    const port = new URL(server.url).port
    const rebound = [`Host: attacker.example:${port}`, `Origin: http://attacker.example:${port}`]
    const read = await raw(['GET /api/items HTTP/1.1', ...rebound])
    expect(read.status).toBe(403)
    expect(JSON.parse(read.body).error).toMatchObject({ code: 'forbidden' })
    expect(read.body).not.toContain('HAM-001')
    const page = await raw(['GET / HTTP/1.1', ...rebound])
    expect(page.status).toBe(403)
    const before = await skus()
    const write = await raw(
      ['POST /api/items HTTP/1.1', ...rebound, 'Content-Type: application/json'],
      JSON.stringify({ sku: 'DNS-1', name: 'Planted through a rebound name' }),
    )
    expect(write.status).toBe(403)
    expect(await skus()).toEqual(before)

    for (const host of [hostOf(), `localhost:${port}`, `shop.localhost:${port}`, `[::1]:${port}`, '192.168.1.20']) {
      expect((await raw(['GET /api/health HTTP/1.1', `Host: ${host}`])).status, host).toBe(200)
    }
  })

  it('answers for the host names it is told to, besides its own', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
    const named = await startNodeServer({
      filename: join(folder, 'inventory.sqlite'),
      port: 0,
      staticDir: folder,
      allowedHosts: ['shop.example'],
    })
    try {
      const { port } = new URL(named.url)
      const health = (host: string) =>
        new Promise<number>((done, fail) => {
          const socket = connect(Number(port), '127.0.0.1')
          let answer = ''
          socket.setEncoding('utf8')
          socket.on('data', (chunk) => (answer += chunk))
          socket.on('error', fail)
          socket.on('end', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])))
          socket.end(`GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
        })
      expect(await health(`shop.example:${port}`)).toBe(200)
      expect(await health('SHOP.EXAMPLE')).toBe(200)
      expect(await health('other.example')).toBe(403)
    } finally {
      await named.close()
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('answers malformed percent-encoding, a bad Host and an absolute-form target with 400, logging no error', async () => {
    logged.mockClear()
    const answers = [
      await raw(['GET /%E0%A4%A HTTP/1.1', `Host: ${hostOf()}`]),
      await raw(['GET /assets/%zz.js HTTP/1.1', `Host: ${hostOf()}`]),
      await raw(['GET /api/health HTTP/1.1', 'Host: bad host/']),
      await raw(['GET /api/health HTTP/1.1', 'Host: [::1']),
      await raw([`GET http://attacker.example/api/health HTTP/1.1`, `Host: ${hostOf()}`]),
      await raw([`GET ${server.url}/api/health HTTP/1.1`, `Host: ${hostOf()}`]),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400])
    for (const answer of answers) expect(JSON.parse(answer.body).error.code).toBe('bad_request')
    expect(logged).not.toHaveBeenCalled()
    const health = await raw(['GET /api/health HTTP/1.1', `Host: ${hostOf()}`])
    expect(health.status).toBe(200)
  })
})

describe('Node server on sqlite: restoring backups', () => {
  let server: ApiServer
  const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
  beforeAll(async () => {
    server = await startNodeServer({
      filename: join(folder, 'inventory.sqlite'),
      port: 0,
      staticDir: folder,
      maxBackupBytes: 64 * 1024,
    })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  /** A SQLite file made by another program: a provider of its own, given `build`'s tables and rows. */
  const fileOf = async (build: (storage: StorageProvider<InventoryDB>) => Promise<void>) => {
    const storage = await createStorage<InventoryDB>({ adapters: sqliteAdapter({ filename: ':memory:' }) })
    try {
      await build(storage)
      return await exportDatabase(storage)
    } finally {
      await storage.close()
    }
  }
  const restore = (bytes: Uint8Array<ArrayBuffer>) =>
    fetch(`${server.url}/api/restore`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    })
  const skus = async () =>
    ((await (await fetch(`${server.url}/api/items`)).json()) as { items: { sku: string }[] }).items
      .map((item) => item.sku)
      .sort()

  it('brings a backup made before the latest migration up to date', async () => {
    const [first] = Object.keys(migrations)
    const older = await fileOf(async (storage) => {
      await storage.migrate({ [first as string]: migrations[first as string] as Migration })
      await storage.db
        .insertInto('items')
        .values({
          sku: 'OLD-1',
          name: 'From an older version',
          quantity: 2,
          location: '',
          category: '',
          reorder_level: 0,
          unit_cost: 0,
          created_at: '2025-01-01T00:00:00.000Z',
          updated_at: '2025-01-01T00:00:00.000Z',
        })
        .execute()
    })
    const response = await restore(older)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ restored: true, items: 1, movements: 0 })
    expect(await skus()).toEqual(['OLD-1'])
    const [item] = ((await (await fetch(`${server.url}/api/items`)).json()) as { items: { id: number }[] }).items
    // An adjustment with a request id needs the column the second migration added.
    const adjust = () =>
      fetch(`${server.url}/api/items/${item?.id}/adjust`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ delta: -1, reason: 'sale', request_id: 'restore-test-1' }),
      })
    expect((await adjust()).status).toBe(200)
    const again = (await (await adjust()).json()) as { item: { quantity: number } }
    expect(again.item.quantity).toBe(1)
  })

  it('refuses a SQLite file that is not an inventory, and keeps the data', async () => {
    const before = await skus()
    const other = await fileOf(async (storage) => {
      await sql`create table notes (id integer primary key, text text)`.execute(storage.db)
    })
    const response = await restore(other)
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_backup', message: expect.stringContaining('not an inventory backup') },
    })
    expect(await skus()).toEqual(before)
  })

  it('refuses a file larger than the limit with 413, and keeps the data', async () => {
    const before = await skus()
    const big = await fileOf(async (storage) => {
      await storage.migrate(migrations)
      await sql`create table padding (text text)`.execute(storage.db)
      await sql`insert into padding values (${'x'.repeat(100_000)})`.execute(storage.db)
    })
    expect(big.byteLength).toBeGreaterThan(64 * 1024)
    const response = await restore(big)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } })
    expect(await skus()).toEqual(before)
  })
})
