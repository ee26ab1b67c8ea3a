import { afterAll } from 'vitest'
import { d1Adapter } from '../../../src/d1.js'
import { createStorage } from '../../../src/index.js'
import { runConformanceSuite } from '../../conformance/conformance-suite.js'
import type { ConformanceDB } from '../../conformance/schema.js'
import { MiniflareD1Pool } from '../../support/miniflare-d1-pool.js'

const pool = new MiniflareD1Pool()
afterAll(() => pool.dispose())

runConformanceSuite(
  'd1 (Miniflare)',
  async (options) => {
    const { database, reconnect } = await pool.fresh()
    let current = await createStorage<ConformanceDB>({ adapters: d1Adapter({ ...options, database }) })
    return {
      subject: current,
      reopen: async () => {
        await current.close()
        current = await createStorage<ConformanceDB>({
          adapters: d1Adapter({ ...options, database: await reconnect() }),
        })
        return current
      },
    }
  },
  { interactiveTransactions: false, persistent: true, crossTabSync: false, maxBoundParameters: 100 },
)
