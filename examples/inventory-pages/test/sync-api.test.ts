import { describeSyncContract } from './support/sync-contract.js'
import { startNodeApiServer } from './support/node-api-server.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'
import { startWranglerDurableObjectServer } from './support/wrangler-durable-object-server.js'

describeSyncContract('Node server on sqlite', startNodeApiServer)
describeSyncContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer)
describeSyncContract('a Worker with a Durable Object per inventory (wrangler dev)', startWranglerDurableObjectServer)
