// The parts of workerd's built-in modules these tests use. Workers' own global types clash with
// the DOM library the rest of the tests compile against, so they are declared here instead.
declare module 'cloudflare:workers' {
  /** Base class of Durable Objects. */
  export class DurableObject<Env = unknown> {
    protected ctx: import('./cloudflare-test-types.js').TestDurableObjectState
    protected env: Env
    constructor(ctx: import('./cloudflare-test-types.js').TestDurableObjectState, env: Env)
  }
}

declare module 'cloudflare:test' {
  /** The bindings of the test worker. */
  export const env: import('./cloudflare-test-types.js').TestEnv
  /** Runs `callback` inside the Durable Object `stub` points to, in its own context. */
  export function runInDurableObject<R>(
    stub: unknown,
    callback: (instance: unknown, state: import('./cloudflare-test-types.js').TestDurableObjectState) => R | Promise<R>,
  ): Promise<R>
}
