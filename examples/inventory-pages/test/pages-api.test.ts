import { describeApiContract } from './support/api-contract.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'

describeApiContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer)
