import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sampleItems } from '../src/domain/sample-items.js'
import { startNodeServer } from '../src/server/node-server.js'
import { describeApiContract } from './support/api-contract.js'
import { startNodeApiServer } from './support/node-api-server.js'

describeApiContract('Node server on sqlite', startNodeApiServer)

describe('Node server on sqlite: first start', () => {
  it('seeds the sample items once and keeps the data in its file across restarts', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'inventory-pages-'))
    const options = { filename: join(folder, 'inventory.sqlite'), port: 0, staticDir: folder }
    try {
      const first = await startNodeServer(options)
      expect(first.seeded).toBe(true)
      const created = await fetch(`${first.url}/api/items`, {
        method: 'POST',
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
