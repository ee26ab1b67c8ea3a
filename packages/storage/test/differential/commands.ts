import fc from 'fast-check'
import type { Compilable, Kysely } from 'kysely'
import type { DifferentialDB } from './schema.js'

/** A row for `things`; `null` where the schema forbids it provokes a NOT NULL failure. */
export interface ThingRow {
  id: number
  owner_id: number | null
  label: string | null
  qty: number
  price: number | null
}

export interface OwnerRow {
  id: number
  name: string | null
}

/** Operations that write; each can also run inside a batch. */
export type WriteCommand =
  | { kind: 'insertOwners'; rows: OwnerRow[] }
  | { kind: 'insertThings'; rows: ThingRow[]; returning: boolean }
  | { kind: 'upsertThing'; row: ThingRow }
  | { kind: 'adjustQuantities'; ownerId: number; delta: number }
  | { kind: 'renameOwner'; id: number; name: string | null }
  | { kind: 'deleteOwner'; id: number }
  | { kind: 'deleteThings'; ids: number[] }

export type ReadCommand =
  | {
      kind: 'selectThings'
      minQty: number | null
      ownerIds: number[] | null
      orderBy: 'qty' | 'label' | 'price'
      descending: boolean
      limit: number | null
    }
  | { kind: 'selectThingsWithOwners'; ownerName: string | null }
  | { kind: 'totalsByOwner'; minCount: number }

/**
 * One step of a sequence, as plain data: fast-check generates and shrinks it, a failure prints it,
 * and a regression test replays it.
 */
export type Command =
  | WriteCommand
  | ReadCommand
  | { kind: 'batch'; commands: WriteCommand[] }
  /** Closes the database and opens it again; a no-op where the database is not persistent. */
  | { kind: 'reopen' }

/** A query builder that can run on its own or be handed to `batch()`. */
type RunnableQuery = Compilable & { execute(): Promise<unknown> }

/** Builds the Kysely query for a write command. */
export function buildWrite(db: Kysely<DifferentialDB>, command: WriteCommand): RunnableQuery {
  switch (command.kind) {
    case 'insertOwners':
      return db.insertInto('owners').values(command.rows as never)
    case 'insertThings': {
      const insert = db.insertInto('things').values(command.rows as never)
      return command.returning ? insert.returning(['id', 'owner_id', 'label', 'qty', 'price']) : insert
    }
    case 'upsertThing':
      return db
        .insertInto('things')
        .values(command.row as never)
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet((eb) => ({ qty: eb.ref('excluded.qty'), price: eb.ref('excluded.price') })),
        )
        .returning(['id', 'qty', 'price'])
    case 'adjustQuantities':
      return db
        .updateTable('things')
        .set((eb) => ({ qty: eb('qty', '+', command.delta) }))
        .where('owner_id', '=', command.ownerId)
    case 'renameOwner':
      return db
        .updateTable('owners')
        .set({ name: command.name as string })
        .where('id', '=', command.id)
    case 'deleteOwner':
      return db.deleteFrom('owners').where('id', '=', command.id)
    case 'deleteThings':
      return db.deleteFrom('things').where('id', 'in', command.ids).returning('id')
  }
}

/** Builds the Kysely query for a read command; every ordering is total, so results are deterministic. */
export function buildRead(db: Kysely<DifferentialDB>, command: ReadCommand): RunnableQuery {
  switch (command.kind) {
    case 'selectThings': {
      let query = db.selectFrom('things').selectAll()
      if (command.minQty !== null) query = query.where('qty', '>=', command.minQty)
      if (command.ownerIds !== null) query = query.where('owner_id', 'in', command.ownerIds)
      const direction = command.descending ? 'desc' : 'asc'
      query = query.orderBy(command.orderBy, direction).orderBy('id')
      return command.limit === null ? query : query.limit(command.limit)
    }
    case 'selectThingsWithOwners': {
      const query = db
        .selectFrom('things')
        .innerJoin('owners', 'owners.id', 'things.owner_id')
        .select(['things.id', 'things.label', 'owners.name as owner'])
        .orderBy('owners.name')
        .orderBy('things.id')
      return command.ownerName === null ? query : query.where('owners.name', '=', command.ownerName)
    }
    case 'totalsByOwner':
      return db
        .selectFrom('owners')
        .leftJoin('things', 'things.owner_id', 'owners.id')
        .select((eb) => [
          'owners.id',
          eb.fn.count<number>('things.id').as('things'),
          eb.fn.sum<number>('things.qty').as('total_qty'),
          eb.fn.max<number>('things.price').as('max_price'),
          eb.fn.avg<number>('things.price').as('avg_price'),
        ])
        .groupBy('owners.id')
        .having((eb) => eb.fn.count('things.id'), '>=', command.minCount)
        .orderBy('owners.id')
  }
}

// Few distinct values, so that unique, foreign-key and check constraints are hit often.
const ownerId = fc.integer({ min: 1, max: 5 })
const thingId = fc.integer({ min: 1, max: 40 })
const ownerName = fc.constantFrom('ada', 'bo', 'cy', 'Ünï', '')
const label = fc.constantFrom('bolt', 'nut', 'gear', '🔩', '')
const price = fc.constantFrom(0, 0.1, 1.5, -2.25, 123456.789, 1e21, 2 ** 53 + 2)

const ownerRow: fc.Arbitrary<OwnerRow> = fc.record({ id: ownerId, name: fc.option(ownerName, { freq: 12 }) })

const thingRow: fc.Arbitrary<ThingRow> = fc.record({
  id: thingId,
  owner_id: fc.option(ownerId, { freq: 15 }),
  label: fc.option(label, { freq: 15 }),
  qty: fc.integer({ min: -1, max: 9 }),
  price: fc.option(price, { freq: 3 }),
})

// Sometimes large enough to pass D1's 100 bound parameters, so a statement is split or rewritten.
const thingRows = fc.oneof(
  { weight: 5, arbitrary: fc.array(thingRow, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(thingRow, { minLength: 21, maxLength: 30 }) },
)
const thingIds = fc.oneof(
  { weight: 4, arbitrary: fc.array(thingId, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 101, maxLength: 130 }) },
)

const writeCommand: fc.Arbitrary<WriteCommand> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('insertOwners' as const),
      rows: fc.array(ownerRow, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('insertThings' as const), rows: thingRows, returning: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('upsertThing' as const), row: thingRow }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('adjustQuantities' as const),
      ownerId,
      delta: fc.integer({ min: -3, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('renameOwner' as const),
      id: ownerId,
      name: fc.option(ownerName, { freq: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteOwner' as const), id: ownerId }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteThings' as const), ids: thingIds }) },
)

const readCommand: fc.Arbitrary<ReadCommand> = fc.oneof(
  fc.record({
    kind: fc.constant('selectThings' as const),
    minQty: fc.option(fc.integer({ min: 0, max: 5 })),
    ownerIds: fc.option(
      fc.oneof(fc.array(ownerId, { maxLength: 3 }), fc.array(ownerId, { minLength: 101, maxLength: 110 })),
    ),
    orderBy: fc.constantFrom('qty' as const, 'label' as const, 'price' as const),
    descending: fc.boolean(),
    limit: fc.option(fc.integer({ min: 0, max: 5 })),
  }),
  fc.record({ kind: fc.constant('selectThingsWithOwners' as const), ownerName: fc.option(ownerName) }),
  fc.record({ kind: fc.constant('totalsByOwner' as const), minCount: fc.integer({ min: 0, max: 2 }) }),
)

/** Random sequences of operations, shrinking towards short sequences of small commands. */
export const commandSequence: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: writeCommand },
    { weight: 3, arbitrary: readCommand },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('batch' as const),
        commands: fc.array(writeCommand, { minLength: 1, maxLength: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  ),
  { minLength: 1, maxLength: 14 },
)
