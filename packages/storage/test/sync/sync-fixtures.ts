import type { Migration } from 'kysely'
import type { StorageProvider } from '../../src/index.js'
import {
  createSyncClient,
  createSyncServer,
  type Mutators,
  type RejectedMutation,
  type SyncServer,
} from '../../src/sync.js'
import type { AdapterHarness } from '../support/adapter-harness.js'

export const SYNC_ENDPOINT = 'https://inventory.test/api/sync'

/** One application's sync setup: the same on server and clients. */
export interface SyncSetup<DB, M extends Mutators<DB>> {
  readonly migrations: Record<string, Migration>
  readonly mutators: M
  readonly tables: readonly (keyof DB & string)[]
}

/** A sync server on a new, migrated database of `harness`. */
export async function openSyncServer<DB, M extends Mutators<DB>>(harness: AdapterHarness, setup: SyncSetup<DB, M>) {
  const storage = await harness.open<DB>()
  await storage.migrate(setup.migrations)
  const sync: SyncServer = createSyncServer<DB>({ storage, mutators: setup.mutators, tables: setup.tables })
  return { storage, sync }
}

/**
 * A sync client on a new, migrated database of `harness`, reaching `server` directly or through
 * `transport`; the mutations the server refused are collected in `rejected`.
 */
export async function openSyncClient<DB, M extends Mutators<DB>>(
  harness: AdapterHarness,
  setup: SyncSetup<DB, M>,
  server: Pick<SyncServer, 'handle'>,
  transport?: (request: Request) => Promise<Response>,
) {
  const storage: StorageProvider<DB> = await harness.open<DB>()
  await storage.migrate(setup.migrations)
  const rejected: RejectedMutation[] = []
  const client = connectSyncClient(storage, setup, server, transport)
  client.onRejected((rejection) => rejected.push(rejection))
  return { storage, client, rejected }
}

/** A sync client on an existing database, reaching `server` directly or through `transport`. */
export function connectSyncClient<DB, M extends Mutators<DB>>(
  storage: StorageProvider<DB>,
  setup: Omit<SyncSetup<DB, M>, 'migrations'>,
  server: Pick<SyncServer, 'handle'>,
  transport?: (request: Request) => Promise<Response>,
) {
  return createSyncClient({
    storage,
    mutators: setup.mutators,
    endpoint: SYNC_ENDPOINT,
    tables: setup.tables,
    fetch: transport ?? ((request) => server.handle(request)),
  })
}
