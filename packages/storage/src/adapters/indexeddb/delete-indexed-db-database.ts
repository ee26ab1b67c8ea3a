import { StorageError, StorageUnavailableError } from '../../core/errors.js'
import type { IndexedDbAdapterOptions } from './indexed-db-adapter.js'

const ADAPTER = 'indexeddb'

/**
 * Deletes the database of the `indexeddb` adapter with every page it holds, so that the next open
 * starts empty: the way out of a store that refuses to open with `CORRUPT_STORAGE`. Deleting is
 * final; save what is still readable first. Close the storage in every tab beforehand: a tab that
 * still has it open is cut off from it.
 *
 * @param options - the database name, and the IndexedDB factory when it is not the global one;
 *   the adapter's own options will do
 * @throws `StorageUnavailableError` where IndexedDB is missing or blocked
 * @throws `StorageError` with code `STORAGE_UNAVAILABLE` when a connection that does not give
 *   way (another library's, or an older version of this one in another tab) keeps the database
 *   open; it is deleted once that connection closes
 * @example
 * ```ts
 * import { createStorage, StorageError } from '@inventory/storage'
 * import { deleteIndexedDbDatabase, indexedDbAdapter } from '@inventory/storage/indexeddb'
 *
 * async function openOrStartOver() {
 *   try {
 *     return await createStorage<Database>({ adapters: indexedDbAdapter({ name: 'inventory' }) })
 *   } catch (error) {
 *     if (!(error instanceof StorageError) || error.code !== 'CORRUPT_STORAGE') throw error
 *     await deleteIndexedDbDatabase({ name: 'inventory' })
 *     return createStorage<Database>({ adapters: indexedDbAdapter({ name: 'inventory' }) })
 *   }
 * }
 * ```
 */
export async function deleteIndexedDbDatabase(
  options: Pick<IndexedDbAdapterOptions, 'name' | 'indexedDB'>,
): Promise<void> {
  const indexedDB = resolveIndexedDb(options.indexedDB)
  await new Promise<void>((resolve, reject) => {
    const deleting = indexedDB.deleteDatabase(options.name)
    deleting.onsuccess = () => resolve()
    deleting.onerror = () => {
      const reason = deleting.error?.name ?? 'unknown error'
      reject(
        new StorageError('QUERY_FAILED', `could not delete the database "${options.name}": ${reason}`, {
          adapter: ADAPTER,
          cause: deleting.error,
        }),
      )
    }
    deleting.onblocked = () =>
      reject(
        new StorageError(
          'STORAGE_UNAVAILABLE',
          `the database "${options.name}" is held open elsewhere; it is deleted once every tab using it closes it`,
          { adapter: ADAPTER },
        ),
      )
  })
}

function resolveIndexedDb(given: IDBFactory | undefined): IDBFactory {
  let indexedDB: IDBFactory | undefined
  try {
    indexedDB = given ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  } catch (error) {
    // Reading `indexedDB` throws where it is blocked (sandboxed frames, storage disabled).
    throw new StorageUnavailableError('IndexedDB is blocked here', { adapter: ADAPTER, cause: error })
  }
  if (!indexedDB) throw new StorageUnavailableError('IndexedDB is not available here', { adapter: ADAPTER })
  return indexedDB
}
