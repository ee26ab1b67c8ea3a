import type { StorageProvider } from '../../src/index.js'
import type { AdapterHarness } from '../support/adapter-harness.js'
import { adapterHarnesses, selectedHarnesses } from '../support/adapter-harnesses.js'
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

/**
 * Opens a target on a new database of every adapter the registry has, each with the schema
 * created: the reference, sqlite (memory), first, then every harness `ADAPTERS` selects. A new
 * adapter joins the run by joining the registry.
 */
export async function openTargets(): Promise<DifferentialTarget[]> {
  const reference = adapterHarnesses.sqliteMemory()
  const compared = selectedHarnesses().filter((harness) => harness.name !== reference.name)
  const targets = await Promise.all([reference, ...compared].map(openTarget))
  for (const target of targets) await createSchema(target.provider)
  return targets
}

async function openTarget(harness: AdapterHarness): Promise<DifferentialTarget> {
  const { reopen } = harness
  const target: DifferentialTarget = {
    name: harness.name,
    provider: await harness.open<DifferentialDB>(),
    ...(reopen && {
      reopen: async () => {
        target.provider = await reopen<DifferentialDB>(target.provider)
      },
    }),
    dispose: () => harness.dispose(),
  }
  return target
}
