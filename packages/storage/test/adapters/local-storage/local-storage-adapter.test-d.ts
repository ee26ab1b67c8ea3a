import { expectTypeOf, test } from 'vitest'
import type { InPageLockManager, LocalStorageAdapterOptions, WebLockManager } from '../../../src/local-storage.js'

type Locks = NonNullable<LocalStorageAdapterOptions['locks']>

test('locks accepts navigator.locks as it is, and a lock manager without query()', () => {
  expectTypeOf<LockManager>().toExtend<Locks>()
  expectTypeOf<InPageLockManager>().toExtend<Locks>()
  expectTypeOf<WebLockManager>().toExtend<Locks>()
})

test('locks declares query() as navigator.locks types it, and optional', () => {
  expectTypeOf<Locks['query']>().toEqualTypeOf<LockManager['query'] | undefined>()
  expectTypeOf<{ request: WebLockManager['request']; query: () => Promise<string> }>().not.toExtend<Locks>()
})
