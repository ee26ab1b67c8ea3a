import { Window } from 'happy-dom'
import { localStorageAdapter } from '../../../src/local-storage.js'
import { persistentHarness, runConformanceSuite } from '../../conformance/conformance-suite.js'

let databases = 0

runConformanceSuite(
  'local-storage (happy-dom Storage)',
  (options) => {
    const window = new Window()
    const adapter = localStorageAdapter({
      ...options,
      name: `conformance-${++databases}`,
      storage: window.localStorage as unknown as Storage,
    })
    return persistentHarness(
      () => adapter,
      () => window.happyDOM.close(),
    )
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)
