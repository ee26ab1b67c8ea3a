import { StorageError, StorageUnavailableError, type SkippedAdapter } from './errors.js'
import type { StorageAdapter, StorageProvider } from './storage-provider.js'

/** Which adapter {@link createStorage} opened, and why it passed over the candidates before it. */
export interface AdapterSelection {
  /** The adapter opened. */
  readonly adapter: string
  /** Every earlier candidate, unavailable in this runtime, with the reason. */
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
 * Only unavailability moves on to the next candidate: `isAvailable()` answering false, or a
 * {@link StorageUnavailableError} from `isAvailable()` or `open()`. Any other failure (a damaged
 * store, a migration or version conflict, a full quota) is thrown as it is, naming its adapter, so
 * the data it holds is never replaced by an empty database of the next candidate.
 *
 * @template DB - the database schema, as for `Kysely<DB>`
 * @param options - the candidate adapters, in order of preference
 * @throws {@link StorageUnavailableError} when the list is empty or no candidate is available;
 *   its `skipped` names every adapter tried and why it was not used
 * @throws {@link StorageError} of the first available candidate that failed to open, with its
 *   `adapter` and `code` (for example `CORRUPT_STORAGE`); errors that are not `StorageError`s come
 *   wrapped in one with code `QUERY_FAILED` and the original as `cause`
 * @example
 * ```ts
 * const storage = await createStorage<Database>({
 *   adapters: [d1Adapter({ database: env.DB }), indexedDbAdapter({ name: 'inventory' })],
 *   onSelect: ({ adapter, skipped }) => console.info(`storage: ${adapter}`, skipped),
 * })
 * ```
 */
export async function createStorage<DB>(options: CreateStorageOptions): Promise<StorageProvider<DB>> {
  const candidates: readonly StorageAdapter[] = Array.isArray(options.adapters)
    ? options.adapters
    : [options.adapters as StorageAdapter]
  const skipped: SkippedAdapter[] = []
  for (const candidate of candidates) {
    const unavailable = await unavailability(candidate)
    if (unavailable !== undefined) {
      skipped.push({ adapter: candidate.name, reason: unavailable })
      continue
    }
    let provider: StorageProvider<DB>
    try {
      provider = await candidate.open<DB>()
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw namingAdapter(error, candidate.name, 'open')
      skipped.push({ adapter: candidate.name, reason: `failed to open: ${error.message}` })
      continue
    }
    options.onSelect?.({ adapter: candidate.name, skipped })
    return provider
  }
  throw new StorageUnavailableError(
    candidates.length === 0
      ? 'createStorage was given no adapters'
      : `no adapter could be opened: ${skipped.map(({ adapter, reason }) => `${adapter} (${reason})`).join('; ')}`,
    { adapter: 'createStorage', skipped },
  )
}

/** Why the candidate cannot run here, or undefined when it can. */
async function unavailability(candidate: StorageAdapter): Promise<string | undefined> {
  try {
    if (await candidate.isAvailable()) return undefined
  } catch (error) {
    if (!(error instanceof StorageUnavailableError)) throw namingAdapter(error, candidate.name, 'isAvailable')
    return `isAvailable() threw: ${error.message}`
  }
  return candidate.unavailableReason?.() ?? 'not available in this runtime'
}

/** The failure as the caller gets it: a `StorageError` as it is (it names its adapter), anything else wrapped. */
function namingAdapter(error: unknown, adapter: string, step: 'isAvailable' | 'open'): StorageError {
  if (error instanceof StorageError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new StorageError('QUERY_FAILED', `${step}() failed: ${message}`, { adapter, cause: error })
}
