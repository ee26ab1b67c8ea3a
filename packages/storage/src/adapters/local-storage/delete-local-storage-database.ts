import { StorageUnavailableError } from '../../core/errors.js'
import { type LocalStorageAdapterOptions, localStorageKeyPrefix, resolveStorage } from './local-storage-adapter.js'

/**
 * Deletes the database of the `local-storage` adapter: every key of its
 * {@link localStorageKeyPrefix | prefix}, and nothing else, so that the next open starts empty. The
 * way out of a store that refuses to open with `CORRUPT_STORAGE`. Deleting is final; save what is
 * still readable first. Close the storage in every tab beforehand: a tab that still has it open
 * could write into it again.
 *
 * @param options - the database name, and the storage when it is not `localStorage`; the adapter's
 *   own options will do
 * @throws `StorageUnavailableError` where there is no `localStorage` (or it is blocked)
 * @example
 * ```ts
 * import { createStorage, StorageError } from '@inventory/storage'
 * import { deleteLocalStorageDatabase, localStorageAdapter } from '@inventory/storage/local-storage'
 *
 * async function openOrStartOver() {
 *   try {
 *     return await createStorage<Database>({ adapters: localStorageAdapter({ name: 'inventory' }) })
 *   } catch (error) {
 *     if (!(error instanceof StorageError) || error.code !== 'CORRUPT_STORAGE') throw error
 *     await deleteLocalStorageDatabase({ name: 'inventory' })
 *     return createStorage<Database>({ adapters: localStorageAdapter({ name: 'inventory' }) })
 *   }
 * }
 * ```
 */
export async function deleteLocalStorageDatabase(
  options: Pick<LocalStorageAdapterOptions, 'name' | 'storage'>,
): Promise<void> {
  const storage = resolveStorage(options.storage)
  if (!storage) throw new StorageUnavailableError('localStorage is not available here', { adapter: 'local-storage' })
  const prefix = localStorageKeyPrefix(options.name)
  const keys: string[] = []
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index)
    if (key?.startsWith(prefix)) keys.push(key)
  }
  for (const key of keys) storage.removeItem(key)
}
