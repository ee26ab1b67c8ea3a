import type { Kysely } from 'kysely'
import { MAX_MUTATOR_NAME_LENGTH } from './sync-protocol.js'

/**
 * A mutator: a named change to the database, written once and run twice, optimistically on the
 * client's local database and authoritatively on the server's. It must depend only on `db` and
 * `args` (no clock, no randomness: pass those in `args`) so both runs agree, and it throws to
 * refuse the change (a `CheckConstraintError` from the database, or an error of its own).
 *
 * @template DB - the database schema, the same on client and server
 * @template Args - its arguments; they travel as JSON
 */
export type Mutator<DB, Args = any> = (db: Kysely<DB>, args: Args) => Promise<void>

/** Mutators by name: the same object is given to `createSyncClient` and `createSyncServer`. */
export type Mutators<DB> = Record<string, Mutator<DB>>

/** The arguments a mutator takes. */
export type MutatorArgs<M> = M extends (db: any, args: infer Args) => Promise<void> ? Args : never

/**
 * Declares the mutators of an application: plain functions over `Kysely<DB>` that the sync
 * client runs on its local database and the sync server replays on its own, in the order each
 * client made them.
 *
 * `defineMutators<Database>({...})` checks every mutator against the schema. To also type the
 * arguments of `client.mutate.<name>(args)`, let TypeScript infer both type parameters: annotate
 * `db: Kysely<Database>` in the mutators instead of passing `<Database>`.
 *
 * @template DB - the database schema
 * @template M - the mutators, inferred
 * @param mutators - the mutators by name
 * @returns the same mutators, frozen
 * @example
 * ```ts
 * const mutators = defineMutators({
 *   async adjustStock(db: Kysely<Database>, args: { itemId: string; delta: number }) {
 *     await db.updateTable('items').set((eb) => ({ quantity: eb('quantity', '+', args.delta) }))
 *       .where('id', '=', args.itemId).execute()
 *   },
 * })
 * ```
 */
export function defineMutators<DB = any, M extends Mutators<DB> = Mutators<DB>>(mutators: M): Readonly<M> {
  for (const [name, mutator] of Object.entries(mutators)) {
    if (typeof mutator !== 'function') throw new TypeError(`mutator "${name}" is not a function`)
    // A server refuses the whole request naming a longer one: say so before any mutation is queued.
    if (name.length > MAX_MUTATOR_NAME_LENGTH) {
      throw new TypeError(`mutator name "${name.slice(0, 20)}…" is longer than ${MAX_MUTATOR_NAME_LENGTH} characters`)
    }
  }
  return Object.freeze({ ...mutators })
}
