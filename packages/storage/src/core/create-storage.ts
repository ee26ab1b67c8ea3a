import { StorageUnavailableError, type SkippedAdapter } from './errors.js'
import type { StorageAdapter, StorageProvider } from './storage-provider.js'

/** Which adapter {@link createStorage} opened, and why it passed over the candidates before it. */
export interface AdapterSelection {
  /** The adapter opened. */
  readonly adapter: string
  /** Every earlier candidate, with the reason it was not used. */
  readonly skipped: readonly SkippedAdapter[]
}

/** Options of {@link createStorage}. */
export interface CreateStorageOptions {
  /** Candidate adapters, in order of preference; the first available one is opened. */
  adapters: StorageAdapter | readonly StorageAdapter[]
  /**
   * Called once a candidate is opened, with its name and every earlier candidate skipped, with the
   * reason: log it, or report it to your telemetry.
   */
  onSelect?: (selection: AdapterSelection) => void
}

/**
 * Opens the first adapter of the list that is available in this runtime.
 *
 * @template DB - the database schema, as for `Kysely<DB>`
 * @param options - the candidate adapters, in order of preference
 * @throws {@link StorageUnavailableError} when the list is empty or no candidate can be opened;
 *   its `skipped` names every adapter tried and why it was not used
 * @example
 * ```ts
 * const storage = await createStorage<Database>({
 *   adapters: [d1Adapter({ database: env.DB }), indexedDbAdapter({ name: 'inventory' })],
 * })
 * ```
 */
export async function createStorage<DB>(options: CreateStorageOptions): Promise<StorageProvider<DB>> {
  const candidates: readonly StorageAdapter[] = Array.isArray(options.adapters)
    ? options.adapters
    : [options.adapters as StorageAdapter]
  const skipped: SkippedAdapter[] = []
  for (const candidate of candidates) {
    let available: boolean
    try {
      available = await candidate.isAvailable()
    } catch (error) {
      skipped.push({ adapter: candidate.name, reason: `isAvailable() threw: ${describe(error)}` })
      continue
    }
    if (!available) {
      skipped.push({
        adapter: candidate.name,
        reason: candidate.unavailableReason?.() ?? 'not available in this runtime',
      })
      continue
    }
    try {
      const provider = await candidate.open<DB>()
      options.onSelect?.({ adapter: candidate.name, skipped })
      return provider
    } catch (error) {
      skipped.push({ adapter: candidate.name, reason: `failed to open: ${describe(error)}` })
    }
  }
  throw new StorageUnavailableError(
    candidates.length === 0
      ? 'createStorage was given no adapters'
      : `no adapter could be opened: ${describeSkipped(skipped)}`,
    { adapter: 'createStorage', skipped },
  )
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function describeSkipped(skipped: readonly SkippedAdapter[]): string {
  return skipped.map(({ adapter, reason }) => `${adapter} (${reason})`).join('; ')
}
