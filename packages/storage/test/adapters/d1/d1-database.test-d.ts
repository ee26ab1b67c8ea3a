import type { D1Database as WorkersD1Database } from '@cloudflare/workers-types'
import { expectTypeOf, test } from 'vitest'
import { type D1AdapterOptions, type D1Database, d1Adapter } from '../../../src/d1.js'
import type { MiniflareD1Database } from '../../support/miniflare-d1-pool.js'

test('the D1Database binding of the Workers types is accepted as it is', () => {
  expectTypeOf<WorkersD1Database>().not.toBeAny()
  expectTypeOf<WorkersD1Database>().toExtend<D1Database>()
  expectTypeOf<MiniflareD1Database>().not.toBeAny()
  expectTypeOf<MiniflareD1Database>().toExtend<D1Database>()
  expectTypeOf(d1Adapter).parameter(0).toEqualTypeOf<D1AdapterOptions>()
  expectTypeOf<{ database: WorkersD1Database | undefined }>().toExtend<D1AdapterOptions>()
})

test('a handle without batch() is refused at compile time', () => {
  expectTypeOf<{ prepare: WorkersD1Database['prepare'] }>().not.toExtend<D1Database>()
})
