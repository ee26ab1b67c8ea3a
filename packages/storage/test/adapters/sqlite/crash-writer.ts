// Writes rows one by one and prints each row's number once its write has resolved; the test
// kills this process mid-loop and checks that every printed row survived.
import { createStorage } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'

const filename = process.argv[2]
if (!filename) throw new Error('usage: crash-writer <file>')
const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
await storage.migrate(conformanceMigrations)
for (let n = 0; ; n++) {
  await storage.db
    .insertInto('items')
    .values({ sku: `crash-${n}`, name: 'written before the crash', quantity: n })
    .execute()
  process.stdout.write(`${n}\n`)
}
