import { describeApiContract } from './support/api-contract.js'
import { describeHostileInputContract } from './support/hostile-input-contract.js'
import { startWranglerDurableObjectServer } from './support/wrangler-durable-object-server.js'

const name = 'a Worker with a Durable Object per inventory (wrangler dev)'
describeApiContract(name, startWranglerDurableObjectServer, {
  databaseFiles: { instead: /GET \/api\/export.*POST \/api\/import/ },
})
describeHostileInputContract(name, startWranglerDurableObjectServer)
