import { describeApiContract } from './support/api-contract.js'
import { describeHostileInputContract } from './support/hostile-input-contract.js'
import { startWranglerApiServer } from './support/wrangler-api-server.js'

describeApiContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer)
describeHostileInputContract('Pages Functions on a local D1 (wrangler pages dev)', startWranglerApiServer)
