import { join } from 'node:path'
import { createStorage } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { runConformanceSuite } from '../../conformance/conformance-suite.js'
import type { ConformanceDB } from '../../conformance/schema.js'
import { tempDir } from '../../support/temp-dir.js'

const capabilities = { interactiveTransactions: true, crossTabSync: false, maxBoundParameters: 32766 }

runConformanceSuite(
  'sqlite (memory)',
  async () => ({ subject: await createStorage<ConformanceDB>({ adapters: sqliteAdapter() }) }),
  { ...capabilities, persistent: false },
)

runConformanceSuite(
  'sqlite (file)',
  async () => {
    const dir = tempDir('sqlite')
    const filename = join(dir.path, 'conformance.sqlite')
    let current = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
    return {
      subject: current,
      reopen: async () => {
        await current.close()
        current = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
        return current
      },
      cleanup: async () => {
        await current.close()
        dir.remove()
      },
    }
  },
  { ...capabilities, persistent: true },
)
