import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
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
