import { StorageUnavailableError, type SkippedAdapter } from './errors.js'
import type { StorageAdapter, StorageProvider } from './storage-provider.js'

/** Options of {@link createStorage}. */
export interface CreateStorageOptions {
  /** Candidate adapters, in order of preference; the first available one is opened. */
  adapters: StorageAdapter | readonly StorageAdapter[]
  /** Called with the adapter chosen and every earlier candidate skipped, with the reason. */
  onSelect?: (selection: { adapter: string; skipped: readonly SkippedAdapter[] }) => void
  /**
   * Logs which adapter was chosen and why earlier ones were skipped: `true` logs with
   * `console.debug`, a function receives the line instead.
   */
  debug?: boolean | ((message: string) => void)
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
      log(
        options.debug,
        `chose ${candidate.name}${skipped.length > 0 ? ` after skipping ${describeSkipped(skipped)}` : ''}`,
      )
      return provider
    } catch (error) {
      skipped.push({ adapter: candidate.name, reason: `failed to open: ${describe(error)}` })
    }
  }
  const tried = describeSkipped(skipped)
  log(options.debug, candidates.length === 0 ? 'no adapters given' : `no adapter could be opened: ${tried}`)
  throw new StorageUnavailableError(
    candidates.length === 0 ? 'createStorage was given no adapters' : `no adapter could be opened: ${tried}`,
    { adapter: 'createStorage', skipped },
  )
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function describeSkipped(skipped: readonly SkippedAdapter[]): string {
  return skipped.map(({ adapter, reason }) => `${adapter} (${reason})`).join('; ')
}

function log(debug: CreateStorageOptions['debug'], message: string): void {
  if (!debug) return
  const line = `[@inventory/storage] createStorage: ${message}`
  if (typeof debug === 'function') debug(line)
  else console.debug(line)
}
