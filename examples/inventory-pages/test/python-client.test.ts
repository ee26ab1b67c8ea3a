import { execFile } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiServer } from './support/api-contract.js'
import { startNodeApiServer } from './support/node-api-server.js'

const script = fileURLToPath(new URL('../clients/python/inventory_client.py', import.meta.url))
const run = promisify(execFile)

/** Runs the Python client's command line; resolves with its exit code and parsed output. */
async function python(url: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await run('python3', [script, '--url', url, ...args], { env: { ...process.env, ...env } })
    return { code: 0, output: JSON.parse(stdout), error: undefined }
  } catch (failure) {
    const { code, stderr } = failure as { code: number; stderr: string }
    return { code, output: undefined, error: JSON.parse(stderr) }
  }
}

describe('Python client against the Node server', () => {
  let server: ApiServer
  beforeAll(async () => {
    server = await startNodeApiServer({ apiToken: 'py-token' })
  })
  afterAll(() => server?.close())

  it('lists the seeded items and the low-stock ones', async () => {
    const all = await python(server.url, ['list'])
    expect(all.code).toBe(0)
    expect(all.output.map((item: { sku: string }) => item.sku)).toContain('HAM-001')
    const low = await python(server.url, ['list', '--low-stock'])
    expect(
      low.output.every((item: { quantity: number; reorder_level: number }) => item.quantity <= item.reorder_level),
    ).toBe(true)
    expect(low.output.map((item: { sku: string }) => item.sku)).toContain('GLV-L')
  })

  it('creates and adjusts an item with the token', async () => {
    const env = { INVENTORY_API_TOKEN: 'py-token' }
    const created = await python(
      server.url,
      ['create', 'PY-1', 'Python-made crate', '--quantity', '4', '--unit-cost', '2.5'],
      env,
    )
    expect(created.code).toBe(0)
    expect(created.output).toMatchObject({ sku: 'PY-1', name: 'Python-made crate', quantity: 4, unit_cost: 2.5 })
    const adjusted = await python(server.url, ['adjust', 'PY-1', '-3', '--reason', 'sold from a script'], env)
    expect(adjusted.output.quantity).toBe(1)
    const history = (await (await fetch(`${server.url}/api/movements?item_id=${created.output.id}`)).json()) as {
      movements: { delta: number; reason: string }[]
    }
    expect(history.movements[0]).toMatchObject({ delta: -3, reason: 'sold from a script' })
  })

  it('reports the API errors: missing token, duplicate SKU, too little stock', async () => {
    const unauthorised = await python(server.url, ['create', 'PY-2', 'No token'])
    expect(unauthorised.code).toBe(2)
    expect(unauthorised.error).toMatchObject({ status: 401, code: 'unauthorized' })
    const env = { INVENTORY_API_TOKEN: 'py-token' }
    const duplicate = await python(server.url, ['create', 'HAM-001', 'Another hammer'], env)
    expect(duplicate.error).toMatchObject({ status: 409, fields: { sku: 'already used by another item' } })
    const oversold = await python(server.url, ['adjust', 'HAM-001', '-1000', '--reason', 'sale'], env)
    expect(oversold.error).toMatchObject({ status: 409, code: 'conflict' })
  })
})

describe('Python client and the token', () => {
  /** A server that records each request's method, path and Authorization header, then runs `answer`. */
  const recordingServer = async (answer: (request: IncomingMessage, response: ServerResponse) => void) => {
    const seen: { method: string; path: string; authorization: string | null }[] = []
    const server = createServer((request, response) => {
      seen.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization ?? null,
      })
      request.resume()
      request.on('end', () => answer(request, response))
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      seen,
      close: () => new Promise((done) => server.close(done)),
    }
  }
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body))
  }

  let elsewhere: Awaited<ReturnType<typeof recordingServer>>
  let redirecting: Awaited<ReturnType<typeof recordingServer>>
  beforeAll(async () => {
    elsewhere = await recordingServer((_, response) => json(response, 200, { items: [], item: { id: 1 } }))
    redirecting = await recordingServer((request, response) => {
      if (request.url?.startsWith('/api/items?') || request.url === '/api/items') {
        if (request.method === 'GET') return json(response, 200, { items: [{ id: 7, sku: 'RED-1' }] })
        response.writeHead(302, { location: `${elsewhere.url}/api/items` })
        return response.end()
      }
      response.writeHead(307, { location: `${elsewhere.url}${request.url}` })
      response.end()
    })
  })
  afterAll(async () => {
    await elsewhere?.close()
    await redirecting?.close()
  })

  it('sends the token only with writes', async () => {
    const env = { INVENTORY_API_TOKEN: 'secret-token' }
    expect((await python(redirecting.url, ['list'], env)).code).toBe(0)
    await python(redirecting.url, ['adjust', 'RED-1', '1', '--reason', 'count'], env)
    expect(redirecting.seen.map((request) => [request.method, request.authorization])).toEqual([
      ['GET', null],
      ['GET', null],
      ['POST', 'Bearer secret-token'],
    ])
  })

  it('never sends the token to another host on a redirect, and says a write was redirected', async () => {
    elsewhere.seen.length = 0
    const env = { INVENTORY_API_TOKEN: 'secret-token' }
    const created = await python(redirecting.url, ['create', 'RED-2', 'Redirected'], env)
    expect(created.code).toBe(2)
    expect(created.error).toMatchObject({ status: 302, code: 'redirected' })
    expect(created.error.message).toContain(`${elsewhere.url}/api/items`)
    const adjusted = await python(redirecting.url, ['adjust', 'RED-1', '1', '--reason', 'count'], env)
    expect(adjusted.code).toBe(2)
    expect(adjusted.error).toMatchObject({ status: 307, code: 'redirected' })
    expect(elsewhere.seen.filter((request) => request.authorization !== null)).toEqual([])
  })
})
