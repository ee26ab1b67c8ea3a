import { IDBFactory } from 'fake-indexeddb'
import { indexedDbAdapter } from '../../../src/indexeddb.js'
import { persistentHarness, runConformanceSuite } from '../../conformance/conformance-suite.js'

let databases = 0

runConformanceSuite(
  'indexeddb (fake-indexeddb)',
  (options) => {
    const adapter = indexedDbAdapter({ ...options, name: `conformance-${++databases}`, indexedDB: new IDBFactory() })
    return persistentHarness(() => adapter)
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)
