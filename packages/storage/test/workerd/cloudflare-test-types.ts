import type { DurableObjectStorage } from '../../src/durable-object.js'

/** The part of a Durable Object's `ctx` the tests use. */
export interface TestDurableObjectState {
  readonly storage: DurableObjectStorage & {
    deleteAll(): Promise<void>
    put(key: string, value: unknown): Promise<void>
  }
}

/** A Durable Object namespace binding, as far as the tests use it. */
export interface TestDurableObjectNamespace {
  newUniqueId(): unknown
  idFromName(name: string): unknown
  get(id: unknown): unknown
}

/** The bindings vitest.workerd.config.ts gives the test worker. */
export interface TestEnv {
  readonly TEST_OBJECT: TestDurableObjectNamespace
}
