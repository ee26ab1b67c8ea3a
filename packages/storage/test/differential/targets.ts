import { join } from 'node:path'
import { IDBFactory } from 'fake-indexeddb'
import { d1Adapter } from '../../src/d1.js'
import { createStorage, type StorageAdapter, type StorageProvider } from '../../src/index.js'
import { indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter } from '../../src/local-storage.js'
import { sqliteAdapter } from '../../src/sqlite.js'
import { MiniflareD1Pool } from '../support/miniflare-d1-pool.js'
import { QuotaStorage } from '../support/quota-storage.js'
import { tempDir } from '../support/temp-dir.js'
import { createSchema, type DifferentialDB } from './schema.js'

/** One adapter the differential run drives: a database it can reopen, and what to release at the end. */
export interface DifferentialTarget {
  readonly name: string
  /** The open provider; replaced by {@link DifferentialTarget.reopen}. */
  provider: StorageProvider<DifferentialDB>
  /** Closes the database and opens the same one again; absent where nothing outlives a close. */
  reopen?: () => Promise<void>
  dispose(): Promise<void>
}

/** Opens a target on a new database; the first factory of {@link differentialTargets} is the reference. */
export type TargetFactory = () => Promise<DifferentialTarget>

/** Opens every target, each with the schema created. */
export async function openTargets(): Promise<DifferentialTarget[]> {
  const targets = await Promise.all(differentialTargets.map((open) => open()))
  for (const target of targets) await createSchema(target.provider)
  return targets
}

async function reopenable(name: string, adapter: () => Promise<StorageAdapter>, release = async () => {}) {
  const target: DifferentialTarget = {
    name,
    provider: await createStorage<DifferentialDB>({ adapters: await adapter() }),
    reopen: async () => {
      await target.provider.close()
      target.provider = await createStorage<DifferentialDB>({ adapters: await adapter() })
    },
    dispose: async () => {
      await target.provider.close()
      await release()
    },
  }
  return target
}

const sqliteMemory: TargetFactory = async () => {
  const target: DifferentialTarget = {
    name: 'sqlite (memory)',
    provider: await createStorage<DifferentialDB>({ adapters: sqliteAdapter() }),
    dispose: () => target.provider.close(),
  }
  return target
}

const sqliteFile: TargetFactory = () => {
  const dir = tempDir('differential')
  const filename = join(dir.path, 'differential.sqlite')
  return reopenable(
    'sqlite (file)',
    async () => sqliteAdapter({ filename }),
    async () => dir.remove(),
  )
}

const d1: TargetFactory = async () => {
  const pool = new MiniflareD1Pool(1)
  const { database, reconnect } = await pool.fresh()
  let first: typeof database | undefined = database
  const next = async () => {
    const handle = first ?? (await reconnect())
    first = undefined
    return d1Adapter({ database: handle })
  }
  return reopenable('d1 (Miniflare)', next, () => pool.dispose())
}

const indexedDb: TargetFactory = () => {
  const indexedDB = new IDBFactory()
  return reopenable('indexeddb (fake-indexeddb)', async () => indexedDbAdapter({ name: 'differential', indexedDB }))
}

const localStorage: TargetFactory = () => {
  // A Storage without quota, counted and evented as a browser's localStorage is.
  const storage = new QuotaStorage()
  return reopenable('local-storage (in-memory Storage)', async () =>
    localStorageAdapter({ name: 'differential', storage, storageEvents: storage.window }),
  )
}

/**
 * Every adapter the differential run compares, the reference first. A new adapter joins the run
 * by adding its factory here.
 */
export const differentialTargets: readonly TargetFactory[] = [sqliteMemory, sqliteFile, d1, indexedDb, localStorage]
