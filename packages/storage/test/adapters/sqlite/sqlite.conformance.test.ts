import { join } from 'node:path'
import { createStorage } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { persistentHarness, runConformanceSuite } from '../../conformance/conformance-suite.js'
import type { ConformanceDB } from '../../conformance/schema.js'
import { tempDir } from '../../support/temp-dir.js'

const capabilities = { interactiveTransactions: true, crossTabSync: false, maxBoundParameters: 32766 }

runConformanceSuite(
  'sqlite (memory)',
  async (options) => ({ subject: await createStorage<ConformanceDB>({ adapters: sqliteAdapter(options) }) }),
  { ...capabilities, persistent: false },
)

runConformanceSuite(
  'sqlite (file)',
  (options) => {
    const dir = tempDir('sqlite')
    const filename = join(dir.path, 'conformance.sqlite')
    return persistentHarness(() => sqliteAdapter({ ...options, filename }), dir.remove)
  },
  { ...capabilities, persistent: true },
)
