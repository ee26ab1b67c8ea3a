import { Window } from 'happy-dom'
import { createStorage } from '../../../src/index.js'
import { localStorageAdapter } from '../../../src/local-storage.js'
import { runConformanceSuite } from '../../conformance/conformance-suite.js'
import type { ConformanceDB } from '../../conformance/schema.js'

let databases = 0

runConformanceSuite(
  'local-storage (happy-dom Storage)',
  async () => {
    const window = new Window()
    const adapter = localStorageAdapter({ name: `conformance-${++databases}`, storage: window.localStorage as unknown as Storage })
    let current = await createStorage<ConformanceDB>({ adapters: adapter })
    return {
      subject: current,
      reopen: async () => {
        await current.close()
        current = await createStorage<ConformanceDB>({ adapters: adapter })
        return current
      },
      cleanup: async () => {
        await current.close()
        await window.happyDOM.close()
      },
    }
  },
  { interactiveTransactions: true, persistent: true, crossTabSync: true, maxBoundParameters: 32766 },
)
