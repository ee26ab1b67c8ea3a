import {
  type ColumnMetadata,
  type Compilable,
  type Kysely,
  type LogEvent,
  type QueryResult,
  sql,
  type TableMetadata,
} from 'kysely'
import type { ConformanceDB } from './schema.js'

/**
 * Scenarios that every adapter must run exactly as Kysely's stock `SqliteDialect` on
 * better-sqlite3 does, each with what the stock dialect gives. The conformance suite runs them on
 * every adapter; `kysely-reference.test.ts` runs the same functions on the stock dialect and
 * checks each expected value below, so the two never drift apart. Both start from a database
 * with the conformance migrations applied.
 */

/** Queries of every kind, each with the whole result it gives: which keys, which values. */
export async function resultShapes(db: Kysely<ConformanceDB>): Promise<[string, QueryResult<unknown>][]> {
  const results: [string, QueryResult<unknown>][] = []
  const run = async (label: string, query: Parameters<Kysely<ConformanceDB>['executeQuery']>[0]) => {
    results.push([label, await db.executeQuery(query)])
  }
  const raw = async (label: string, query: ReturnType<typeof sql>) => {
    results.push([label, await query.execute(db)])
  }
  await run(
    'insert',
    db.insertInto('items').values([
      { sku: 'A', name: 'a' },
      { sku: 'B', name: 'b' },
    ]),
  )
  await raw('raw insert', sql`insert into items (sku, name) values ('C', 'c')`)
  await raw('raw select', sql`select sku from items order by sku`)
  await raw('raw select of no rows', sql`select sku from items where sku = 'none'`)
  await run('select', db.selectFrom('items').select('sku').where('sku', '=', 'A'))
  await run('update', db.updateTable('items').set({ quantity: 2 }).where('sku', 'in', ['A', 'B']))
  await raw('raw update', sql`update items set quantity = 3 where sku = 'C'`)
  await run('update of no rows', db.updateTable('items').set({ quantity: 2 }).where('sku', '=', 'none'))
  await run('update returning', db.updateTable('items').set({ quantity: 4 }).where('sku', '=', 'A').returning('sku'))
  await run('insert returning', db.insertInto('items').values({ sku: 'D', name: 'd' }).returning(['id', 'sku']))
  await raw('raw insert returning', sql`insert into items (sku, name) values ('E', 'e') returning sku`)
  await run(
    'insert ignoring a conflict',
    db
      .insertInto('items')
      .values({ sku: 'A', name: 'again' })
      .onConflict((c) => c.doNothing()),
  )
  await run(
    'upsert',
    db
      .insertInto('items')
      .values({ sku: 'A', name: 'again' })
      .onConflict((c) => c.column('sku').doUpdateSet({ name: 'updated' })),
  )
  await run(
    'insert of three movements',
    db.insertInto('movements').values([
      { item_id: 1, delta: 1 },
      { item_id: 1, delta: 2 },
      { item_id: 2, delta: 3 },
    ]),
  )
  await run('delete cascading to two rows', db.deleteFrom('items').where('sku', '=', 'A'))
  await raw('raw delete cascading to one row', sql`delete from items where sku = 'B'`)
  await run('delete returning', db.deleteFrom('items').where('sku', '=', 'C').returning('sku'))
  await raw('raw create table after a write', sql`create table scratch (a integer)`)
  await raw('raw drop table', sql`drop table scratch`)
  await raw('raw replace', sql`replace into locations (warehouse, bin, label) values ('w', 'b', 'x')`)
  await raw(
    'raw replace of an existing row',
    sql`replace into locations (warehouse, bin, label) values ('w', 'b', 'y')`,
  )
  await raw(
    'raw create trigger',
    sql`create trigger movements_counted after insert on movements begin update items set quantity = quantity + 1 where id = new.item_id; end`,
  )
  await run(
    'insert into a table with a trigger',
    db.insertInto('movements').values([
      { item_id: 4, delta: 1 },
      { item_id: 4, delta: 2 },
    ]),
  )
  await raw('raw create table replacing on conflict', sql`create table tags (name text unique on conflict replace)`)
  const tags = db.withTables<{ tags: { name: string } }>()
  await run('insert into a table replacing on conflict', tags.insertInto('tags').values([{ name: 'a' }, { name: 'b' }]))
  await run("insert replacing a row by its table's conflict clause", tags.insertInto('tags').values({ name: 'a' }))
  return results
}

/** What {@link resultShapes} gives on the stock dialect. */
export const expectedResultShapes: [string, QueryResult<unknown>][] = [
  ['insert', { rows: [], numAffectedRows: 2n, insertId: 2n }],
  ['raw insert', { rows: [], numAffectedRows: 1n, insertId: 3n }],
  ['raw select', { rows: [{ sku: 'A' }, { sku: 'B' }, { sku: 'C' }] }],
  ['raw select of no rows', { rows: [] }],
  ['select', { rows: [{ sku: 'A' }] }],
  // An update or delete reports the rowid of the connection's last insert, as SQLite does.
  ['update', { rows: [], numAffectedRows: 2n, insertId: 3n }],
  ['raw update', { rows: [], numAffectedRows: 1n, insertId: 3n }],
  ['update of no rows', { rows: [], numAffectedRows: 0n, insertId: 3n }],
  // A statement that returns rows reports its rows only.
  ['update returning', { rows: [{ sku: 'A' }] }],
  ['insert returning', { rows: [{ id: 4, sku: 'D' }] }],
  ['raw insert returning', { rows: [{ sku: 'E' }] }],
  ['insert ignoring a conflict', { rows: [], numAffectedRows: 0n, insertId: 5n }],
  ['upsert', { rows: [], numAffectedRows: 1n, insertId: 5n }],
  ['insert of three movements', { rows: [], numAffectedRows: 3n, insertId: 3n }],
  // Rows deleted by `on delete cascade` are not counted.
  ['delete cascading to two rows', { rows: [], numAffectedRows: 1n, insertId: 3n }],
  ['raw delete cascading to one row', { rows: [], numAffectedRows: 1n, insertId: 3n }],
  ['delete returning', { rows: [{ sku: 'C' }] }],
  // Schema statements change no rows, whatever the write before them changed.
  ['raw create table after a write', { rows: [], numAffectedRows: 0n, insertId: 3n }],
  ['raw drop table', { rows: [], numAffectedRows: 0n, insertId: 3n }],
  ['raw replace', { rows: [], numAffectedRows: 1n, insertId: 1n }],
  // The row a `replace` deletes to make room is not counted.
  ['raw replace of an existing row', { rows: [], numAffectedRows: 1n, insertId: 2n }],
  ['raw create trigger', { rows: [], numAffectedRows: 0n, insertId: 2n }],
  // Rows written by a trigger are not counted.
  ['insert into a table with a trigger', { rows: [], numAffectedRows: 2n, insertId: 5n }],
  ['raw create table replacing on conflict', { rows: [], numAffectedRows: 0n, insertId: 5n }],
  ['insert into a table replacing on conflict', { rows: [], numAffectedRows: 2n, insertId: 2n }],
  ["insert replacing a row by its table's conflict clause", { rows: [], numAffectedRows: 1n, insertId: 3n }],
]

/**
 * Writes and reads for one `provider.batch()`, which must give what running them one by one
 * gives. The 40-row insert carries 120 parameters, more than D1 allows in one statement.
 */
export function batchedQueries(db: Kysely<ConformanceDB>): Compilable[] {
  return [
    db.insertInto('items').values(Array.from({ length: 40 }, (_, index) => ({ sku: `B${index}`, name: 'batched' }))),
    db.insertInto('movements').values([
      { item_id: 1, delta: 1 },
      { item_id: 1, delta: 2 },
    ]),
    db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('count')),
    db.updateTable('items').set({ quantity: 1 }).where('sku', '<', 'B2'),
    db.updateTable('items').set({ quantity: 2 }).where('sku', '=', 'B3').returning('quantity'),
    db.deleteFrom('items').where('sku', '=', 'B0'),
    db.insertInto('items').values({ sku: 'X', name: 'x' }).returning('id'),
  ]
}

/** What the stock dialect gives for each of {@link batchedQueries}, run one by one. */
export const expectedBatchResults: QueryResult<unknown>[] = [
  { rows: [], numAffectedRows: 40n, insertId: 40n },
  { rows: [], numAffectedRows: 2n, insertId: 2n },
  { rows: [{ count: 40 }] },
  { rows: [], numAffectedRows: 12n, insertId: 2n },
  { rows: [{ quantity: 2 }] },
  { rows: [], numAffectedRows: 1n, insertId: 2n },
  { rows: [{ id: 41 }] },
]

/** `db.introspection.getTables()`, without and with Kysely's own tables. */
export async function introspection(db: Kysely<ConformanceDB>) {
  await sql`create view item_skus as select id, sku from items`.execute(db)
  return {
    tables: await db.introspection.getTables(),
    withInternalKyselyTables: await db.introspection.getTables({ withInternalKyselyTables: true }),
  }
}

/** What {@link introspection} gives on the stock dialect. */
export const expectedIntrospection = (() => {
  const column = (name: string, dataType: string, flags: Partial<Omit<ColumnMetadata, 'name' | 'dataType'>> = {}) => ({
    name,
    dataType,
    isNullable: false,
    isAutoIncrementing: false,
    hasDefaultValue: false,
    comment: undefined,
    ...flags,
  })
  const rowid = column('id', 'INTEGER', { isNullable: true, isAutoIncrementing: true })
  const table = (name: string, columns: ColumnMetadata[], isView = false): TableMetadata => ({ name, isView, columns })
  const categories = table('categories', [rowid, column('name', 'TEXT')])
  const itemSkus = table(
    'item_skus',
    [column('id', 'INTEGER', { isNullable: true }), column('sku', 'TEXT', { isNullable: true })],
    true,
  )
  const items = table('items', [
    rowid,
    column('sku', 'TEXT'),
    column('name', 'TEXT'),
    column('quantity', 'INTEGER', { hasDefaultValue: true }),
    column('category_id', 'INTEGER', { isNullable: true }),
    column('price', 'REAL', { isNullable: true }),
    column('note', 'TEXT', { isNullable: true }),
    column('data', 'BLOB', { isNullable: true }),
    column('big', 'INTEGER', { isNullable: true }),
  ])
  const migrations = table('kysely_migration', [column('name', 'varchar(255)'), column('timestamp', 'varchar(255)')])
  const migrationLock = table('kysely_migration_lock', [
    column('id', 'varchar(255)'),
    column('is_locked', 'INTEGER', { hasDefaultValue: true }),
  ])
  const locations = table('locations', [
    column('warehouse', 'TEXT'),
    column('bin', 'TEXT'),
    column('label', 'TEXT', { isNullable: true }),
  ])
  const movements = table('movements', [rowid, column('item_id', 'INTEGER'), column('delta', 'INTEGER')])
  return {
    tables: [categories, itemSkus, items, locations, movements],
    withInternalKyselyTables: [categories, itemSkus, items, migrations, migrationLock, locations, movements],
  }
})()

/** A log event as compared: its level and SQL; durations and errors are checked on their own. */
export function describeLogEvent(event: LogEvent): string {
  return `${event.level}: ${event.query.sql}`
}

/** Queries outside transactions, one of them failing. */
export async function loggedQueries(db: Kysely<ConformanceDB>): Promise<void> {
  await db.selectFrom('items').select('sku').where('id', '=', 1).execute()
  await db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
  await db
    .insertInto('items')
    .values({ sku: 'A', name: 'a' })
    .execute()
    .catch(() => undefined)
}

/** What {@link loggedQueries} logs on the stock dialect. */
export const expectedLoggedQueries: string[] = [
  'query: select "sku" from "items" where "id" = ?',
  'query: insert into "items" ("sku", "name") values (?, ?)',
  'error: insert into "items" ("sku", "name") values (?, ?)',
]

/**
 * Transactions that commit, roll back, fail inside, fail to commit, and use savepoints.
 */
export async function loggedTransactions(db: Kysely<ConformanceDB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('items').values({ sku: 'T1', name: 'committed' }).execute()
  })
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('items').values({ sku: 'T2', name: 'rolled back' }).execute()
      throw new Error('changed my mind')
    })
    .catch(() => undefined)
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('items').values({ sku: 'T1', name: 'duplicate' }).execute()
    })
    .catch(() => undefined)
  // A deferred foreign key is checked at commit: the commit fails and Kysely rolls back.
  await db
    .transaction()
    .execute(async (trx) => {
      await sql`pragma defer_foreign_keys = on`.execute(trx)
      await trx.insertInto('movements').values({ item_id: 999, delta: 1 }).execute()
    })
    .catch(() => undefined)
  const trx = await db.startTransaction().execute()
  const afterFirst = await trx.savepoint('first').execute()
  await afterFirst.insertInto('items').values({ sku: 'S1', name: 'kept' }).execute()
  const afterSecond = await afterFirst.savepoint('second').execute()
  await afterSecond.insertInto('items').values({ sku: 'S2', name: 'undone' }).execute()
  const back = await afterSecond.rollbackToSavepoint('second').execute()
  const released = await back.releaseSavepoint('first').execute()
  await released.commit().execute()
}

/** What {@link loggedTransactions} logs on the stock dialect. */
export const expectedLoggedTransactions: string[] = [
  'query: begin',
  'query: insert into "items" ("sku", "name") values (?, ?)',
  'query: commit',
  'query: begin',
  'query: insert into "items" ("sku", "name") values (?, ?)',
  'query: rollback',
  'query: begin',
  'error: insert into "items" ("sku", "name") values (?, ?)',
  'query: rollback',
  'query: begin',
  'query: pragma defer_foreign_keys = on',
  'query: insert into "movements" ("item_id", "delta") values (?, ?)',
  'error: commit',
  'query: rollback',
  'query: begin',
  'query: savepoint "first"',
  'query: insert into "items" ("sku", "name") values (?, ?)',
  'query: savepoint "second"',
  'query: insert into "items" ("sku", "name") values (?, ?)',
  'query: rollback to "second"',
  'query: release "first"',
  'query: commit',
]
