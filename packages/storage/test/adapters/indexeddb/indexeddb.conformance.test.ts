import { IDBFactory } from 'fake-indexeddb'
import { createStorage } from '../../../src/index.js'
import { indexedDbAdapter } from '../../../src/indexeddb.js'
import { runConformanceSuite } from '../../conformance/conformance-suite.js'
import type { ConformanceDB } from '../../conformance/schema.js'

let databases = 0

runConformanceSuite(
  'indexeddb (fake-indexeddb)',
  async () => {
    const adapter = indexedDbAdapter({ name: `conformance-${++databases}`, indexedDB: new IDBFactory() })
    let current = await createStorage<ConformanceDB>({ adapters: adapter })
    return {
      subject: current,
      reopen: async () => {
        await current.close()
        current = await createStorage<ConformanceDB>({ adapters: adapter })
        return current
      },
      cleanup: () => current.close(),
    }
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)
