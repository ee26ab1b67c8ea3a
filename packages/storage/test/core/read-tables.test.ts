import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { readTables } from '../../src/core/read-tables.js'
import { compileOnlyKysely } from '../support/compile-only-kysely.js'

const db = compileOnlyKysely()
const tablesOf = (query: { compile(): { query: Parameters<typeof readTables>[0] } }) => {
  const tables = readTables(query.compile().query)
  return tables && [...tables].sort()
}

describe('readTables', () => {
  it('finds the tables of from, joins and subqueries', () => {
    expect(tablesOf(db.selectFrom('items').selectAll())).toEqual(['items'])
    expect(
      tablesOf(
        db
          .selectFrom('items as i')
          .innerJoin('categories as c', 'c.id', 'i.category_id')
          .select(['i.sku', 'c.name'])
          .where('i.id', 'in', db.selectFrom('movements').select('item_id')),
      ),
    ).toEqual(['c', 'categories', 'i', 'items', 'movements'])
    expect(
      tablesOf(
        db
          .selectFrom('items')
          .select((eb) => eb.selectFrom('locations').select(eb.fn.countAll().as('n')).as('places'))
          .where((eb) => eb.exists(eb.selectFrom('movements').select('id'))),
      ),
    ).toEqual(['items', 'locations', 'movements'])
    expect(tablesOf(db.selectFrom('items').select('sku').union(db.selectFrom('archive').select('sku')))).toEqual([
      'archive',
      'items',
    ])
  })

  it('leaves out the names a CTE defines and keeps the tables inside it', () => {
    const query = db
      .with('recent', (qb) => qb.selectFrom('movements').select('item_id'))
      .selectFrom('recent')
      .innerJoin('items', 'items.id', 'recent.item_id')
      .selectAll()
    expect(tablesOf(query)).toEqual(['items', 'movements'])
  })

  it('gives up (every table) on raw SQL that reads, but not on a raw expression', () => {
    expect(readTables(sql`select * from items`.compile(db).query)).toBeUndefined()
    expect(
      tablesOf(db.selectFrom('items').where(sql<boolean>`exists (select 1 from movements)`).selectAll()),
    ).toBeUndefined()
    expect(tablesOf(db.selectFrom('items').select(sql<number>`count(*)`.as('n')))).toEqual(['items'])
  })
})
