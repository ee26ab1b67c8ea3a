import { execFile } from 'node:child_process'
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
