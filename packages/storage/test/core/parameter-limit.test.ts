import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { planWithinParameterLimit } from '../../src/core/parameter-limit.js'

const db = new Kysely<any>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
})

describe('planWithinParameterLimit', () => {
  it('leaves a query within the limit alone', () => {
    const query = db.insertInto('t').values({ a: 1, b: 2 }).compile()
    expect(planWithinParameterLimit(query, 10).statements).toEqual([query])
    expect(planWithinParameterLimit(query, undefined).statements).toEqual([query])
  })

  it('splits rows of plain values into statements that fit, keeping parameter order', () => {
    const rows = Array.from({ length: 7 }, (_, index) => ({ a: index, b: `v${index}` }))
    const plan = planWithinParameterLimit(db.insertInto('t').values(rows).returning('a').compile(), 6)
    expect(plan.statements.map((statement) => statement.sql)).toEqual([
      'insert into "t" ("a", "b") values (?, ?), (?, ?), (?, ?) returning "a"',
      'insert into "t" ("a", "b") values (?, ?), (?, ?), (?, ?) returning "a"',
      'insert into "t" ("a", "b") values (?, ?) returning "a"',
    ])
    expect(plan.statements.flatMap((statement) => statement.parameters)).toEqual(rows.flatMap((row) => [row.a, row.b]))
  })

  it('recompiles rows holding expressions, so their SQL and parameters stay together', () => {
    const rows = Array.from({ length: 3 }, (_, index) => ({ a: index, b: sql`upper(${`v${index}`})` }))
    const plan = planWithinParameterLimit(db.insertInto('t').values(rows).compile(), 4)
    expect(plan.statements.map((statement) => [statement.sql, statement.parameters])).toEqual([
      ['insert into "t" ("a", "b") values (?, upper(?)), (?, upper(?))', [0, 'v0', 1, 'v1']],
      ['insert into "t" ("a", "b") values (?, upper(?))', [2, 'v2']],
    ])
  })

  it('merges results: rows concatenated, affected rows summed, the last insert id', () => {
    const plan = planWithinParameterLimit(db.insertInto('t').values([{ a: 1 }, { a: 2 }, { a: 3 }]).compile(), 2)
    expect(
      plan.merge([
        { rows: [{ a: 1 }, { a: 2 }], numAffectedRows: 2n, insertId: 2n },
        { rows: [{ a: 3 }], numAffectedRows: 1n, insertId: 3n },
      ]),
    ).toEqual({ rows: [{ a: 1 }, { a: 2 }, { a: 3 }], numAffectedRows: 3n, insertId: 3n })
  })
})
