import { DurableObject } from 'cloudflare:workers'

/** A SQLite-backed Durable Object the workerd tests open databases in; it does nothing itself. */
export class TestObject extends DurableObject {}

export default {
  fetch(): Response {
    return new Response('test worker')
  },
}
