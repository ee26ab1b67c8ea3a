import Database from 'better-sqlite3'
import { type CompiledQuery, type Generated, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { compileOnlyKysely } from '../support/compile-only-kysely.js'
import { planWithinParameterLimit } from '../../src/core/parameter-limit.js'
import { normalizeParameters } from '../../src/core/query-parameters.js'
import { StorageError } from '../../src/index.js'

interface TestDB {
  things: {
    id: Generated<number>
    label: string | number | null
    amount: string | number | null
    data: Uint8Array | null
  }
}

const builder = compileOnlyKysely<TestDB>()

const db = compileOnlyKysely()

const LIMIT = 10

describe('planWithinParameterLimit', () => {
  let sqlite: Database.Database

  beforeEach(() => {
    sqlite = new Database(':memory:')
    sqlite.exec('create table things (id integer primary key, label text, amount, data blob)')
    const insert = sqlite.prepare('insert into things (label, amount, data) values (?, ?, ?)')
    insert.run('7', 7, null)
    insert.run('seven', 7.5, null)
    insert.run(null, 8, Buffer.from([1]))
    for (let index = 0; index < 40; index++) insert.run(`label ${index}`, index, null)
  })

  afterEach(() => sqlite.close())

  /** Runs a planned query on real SQLite; a split plan in one transaction, results merged. */
  function run(query: CompiledQuery): unknown[] {
    const plan = planWithinParameterLimit(query, LIMIT, 'test')
    const results = sqlite.transaction(() =>
      plan.statements.map((statement) => {
        const prepared = sqlite.prepare(statement.sql)
        const parameters = normalizeParameters(statement, 'test').parameters as unknown[]
        return prepared.reader
          ? { rows: prepared.all(parameters) }
          : { rows: [], numAffectedRows: BigInt(prepared.run(parameters).changes) }
      }),
    )()
    return plan.merge(results).rows
  }

  it('leaves a query within the limit untouched', () => {
    const query = builder.selectFrom('things').selectAll().where('id', 'in', [1, 2, 3]).compile()
    const plan = planWithinParameterLimit(query, LIMIT, 'test')
    expect(plan.statements).toEqual([query])
  })

  it('reads a long in list from json_each(?) as one parameter, with the same rows as the list', () => {
    const ids = Array.from({ length: 30 }, (_, index) => index + 1)
    const query = builder.selectFrom('things').select('id').where('id', 'in', ids).orderBy('id').compile()
    const plan = planWithinParameterLimit(query, LIMIT, 'test')
    expect(plan.statements).toHaveLength(1)
    expect(plan.statements[0]?.sql).toBe(
      'select "id" from "things" where "id" in (select value from json_each(?)) order by "id"',
    )
    expect(plan.statements[0]?.parameters).toEqual([JSON.stringify(ids)])
    expect(run(query)).toEqual(sqlite.prepare(query.sql).all(query.parameters))
    expect(run(query)).toHaveLength(30)
  })

  it('keeps each value’s type: text matches text, numbers match numbers, null matches nothing', () => {
    const values = ['7', 7.5, null, ...Array.from({ length: 20 }, (_, index) => `no match ${index}`)]
    const byLabel = builder.selectFrom('things').select('id').where('label', 'in', values).compile()
    const byAmount = builder.selectFrom('things').select('id').where('amount', 'in', values).compile()
    // `amount` has no type affinity: '7' (text) must not match 7 (integer), 7.5 must match 7.5.
    expect(run(byLabel)).toEqual([{ id: 1 }])
    expect(run(byAmount)).toEqual([{ id: 2 }])
    expect(run(byAmount)).toEqual(sqlite.prepare(byAmount.sql).all(byAmount.parameters))
  })

  it('rewrites not in, booleans and dates as the engine would store them, and 64-bit bigints exactly', () => {
    const many = Array.from({ length: 15 }, (_, index) => index + 100)
    const notIn = builder
      .selectFrom('things')
      .select('id')
      .where('amount', 'not in', [...many, 7, 8, 7.5])
      .where('id', '<', 4)
      .compile()
    expect(run(notIn)).toEqual([])
    const statement = planWithinParameterLimit(
      builder
        .selectFrom('things')
        .select('id')
        .where('label', 'in', [true, false, new Date(Date.UTC(2026, 0, 1)), 9007199254740993n, ...many] as never[])
        .compile(),
      LIMIT,
      'test',
    ).statements[0]
    expect(statement?.parameters[0]).toBe(`[1,0,"2026-01-01T00:00:00.000Z",9007199254740993,${many.join(',')}]`)
  })

  it('rewrites the largest lists first and only as many as needed', () => {
    const small = [1, 2, 3]
    const large = Array.from({ length: 12 }, (_, index) => `l${index}`)
    const query = builder
      .selectFrom('things')
      .select('id')
      .where('id', 'in', small)
      .where('label', 'in', large)
      .compile()
    const [statement] = planWithinParameterLimit(query, LIMIT, 'test').statements
    expect(statement?.sql).toBe(
      'select "id" from "things" where "id" in (?, ?, ?) and "label" in (select value from json_each(?))',
    )
    expect(statement?.parameters).toEqual([1, 2, 3, JSON.stringify(large)])
  })

  it('rewrites in lists of updates and deletes too', () => {
    const ids = Array.from({ length: 20 }, (_, index) => index + 1)
    expect(run(builder.deleteFrom('things').where('id', 'in', ids).returning('id').compile())).toHaveLength(20)
    expect(sqlite.prepare('select count(*) as count from things').get()).toEqual({ count: 23 })
  })

  it('refuses values JSON cannot carry unchanged, naming the value', () => {
    const many = Array.from({ length: 15 }, (_, index) => index)
    for (const [value, words] of [
      [new Uint8Array([1]), 'a blob'],
      [Number.NaN, 'number NaN'],
      [2n ** 64n, 'bigint 18446744073709551616'],
    ] as const) {
      const query = builder
        .selectFrom('things')
        .select('id')
        .where('data', 'in', [...many, value] as never[])
        .compile()
      const failure = (() => {
        try {
          planWithinParameterLimit(query, LIMIT, 'test')
        } catch (error) {
          return error
        }
      })()
      expect(failure).toBeInstanceOf(StorageError)
      expect(failure).toMatchObject({ code: 'INVALID_PARAMETER', adapter: 'test' })
      expect((failure as Error).message).toContain('value 16')
      expect((failure as Error).message).toContain(words)
    }
  })

  it('splits a multi-row insert into statements that fit, merging returning rows in order', () => {
    const rows = Array.from({ length: 25 }, (_, index) => ({ label: `new ${index}`, amount: index }))
    const query = builder.insertInto('things').values(rows).returning('label').compile()
    const plan = planWithinParameterLimit(query, LIMIT, 'test')
    expect(plan.statements.map((statement) => statement.parameters.length)).toEqual([10, 10, 10, 10, 10])
    expect(run(query)).toEqual(rows.map((row) => ({ label: row.label })))
  })
})

describe('planWithinParameterLimit, splitting inserts', () => {
  it('splits rows of plain values into statements that fit, keeping parameter order', () => {
    const rows = Array.from({ length: 7 }, (_, index) => ({ a: index, b: `v${index}` }))
    const plan = planWithinParameterLimit(db.insertInto('t').values(rows).returning('a').compile(), 6, 'test')
    expect(plan.statements.map((statement) => statement.sql)).toEqual([
      'insert into "t" ("a", "b") values (?, ?), (?, ?), (?, ?) returning "a"',
      'insert into "t" ("a", "b") values (?, ?), (?, ?), (?, ?) returning "a"',
      'insert into "t" ("a", "b") values (?, ?) returning "a"',
    ])
    expect(plan.statements.flatMap((statement) => statement.parameters)).toEqual(rows.flatMap((row) => [row.a, row.b]))
  })

  it('recompiles rows holding expressions, so their SQL and parameters stay together', () => {
    const rows = Array.from({ length: 3 }, (_, index) => ({ a: index, b: sql`upper(${`v${index}`})` }))
    const plan = planWithinParameterLimit(db.insertInto('t').values(rows).compile(), 4, 'test')
    expect(plan.statements.map((statement) => [statement.sql, statement.parameters])).toEqual([
      ['insert into "t" ("a", "b") values (?, upper(?)), (?, upper(?))', [0, 'v0', 1, 'v1']],
      ['insert into "t" ("a", "b") values (?, upper(?))', [2, 'v2']],
    ])
  })
})
