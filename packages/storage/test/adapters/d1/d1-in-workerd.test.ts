import { fileURLToPath } from 'node:url'
import { bundleWorker } from '@inventory/testing/worker-bundle'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const workerEntry = fileURLToPath(new URL('./worker/adapter-worker.ts', import.meta.url))

// The adapter running where users deploy it: bundled with the source as a Worker, executed by
// workerd, reaching D1 through the binding in `env` rather than through Miniflare's Node proxy.
describe('d1 adapter inside workerd', () => {
  let miniflare: Miniflare
  const logs: string[] = []

  beforeAll(async () => {
    miniflare = new Miniflare({
      modules: true,
      script: await bundleWorker(workerEntry),
      compatibilityDate: '2026-04-01',
      d1Databases: ['DB'],
      handleStructuredLogs: ({ message }: { message: string }) => {
        logs.push(message)
      },
    })
    await miniflare.ready
  })

  afterAll(() => miniflare?.dispose())

  it('migrates, inserts past the parameter limit, batches and reads back through env.DB', async () => {
    const response = await miniflare.dispatchFetch('http://worker.test/')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      applied: ['0001_parts'],
      returned: 300,
      firstReturned: 'P0',
      lastReturned: 'P299',
      updated: 1,
      photoIsBytes: true,
      photo: [1, 2, 255],
      selected: 150,
      selectedSum: 2 * ((149 * 150) / 2),
      duplicate: 'UniqueConstraintError',
      transaction: 'UnsupportedOperationError',
      total: 300,
    })
    expect(logs.join('\n')).toContain('adapter worker: start')
    expect(logs.join('\n')).not.toContain('kysely:warning')
  })
})
