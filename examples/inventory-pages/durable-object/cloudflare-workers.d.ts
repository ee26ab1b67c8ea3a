// The part of workerd's built-in module this Worker uses. Workers' own global types clash with the
// DOM library the rest of the example compiles against, so it is declared here instead.
declare module 'cloudflare:workers' {
  /** Base class of Durable Objects. */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: { readonly storage: unknown }
    protected readonly env: Env
    constructor(ctx: { readonly storage: unknown }, env: Env)
    fetch?(request: Request): Promise<Response>
  }
}
