import { CompiledQuery, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { compileOnlyKysely } from '../support/compile-only-kysely.js'
import { writtenTables } from '../../src/core/written-tables.js'

const db = compileOnlyKysely()

describe('writtenTables', () => {
  it('reads builder queries from their operation tree', () => {
    expect(writtenTables(db.insertInto('items').values({ a: 1 }).compile())).toEqual(['items'])
    expect(writtenTables(db.updateTable('items as i').set({ a: 1 }).compile())).toEqual(['items'])
    expect(writtenTables(db.deleteFrom('movements').compile())).toEqual(['movements'])
    expect(writtenTables(db.schema.createTable('t').addColumn('a', 'text').compile())).toEqual(['t'])
    expect(writtenTables(db.schema.alterTable('t').addColumn('b', 'text').compile())).toEqual(['t'])
    expect(writtenTables(db.selectFrom('items').selectAll().compile())).toEqual([])
    expect(
      writtenTables(
        db
          .insertInto('items')
          .values({ sku: 'a' })
          .onConflict((c) => c.column('sku').doUpdateSet({ sku: 'b' }))
          .compile(),
      ),
    ).toEqual(['items'])
  })

  it('reads raw SQL writes, quoted or not, and ignores reads', () => {
    const raw = (text: string) => writtenTables(CompiledQuery.raw(text))
    expect(raw('insert into "stock items" (a) values (1)')).toEqual(['stock items'])
    expect(raw('INSERT OR REPLACE INTO items VALUES (1)')).toEqual(['items'])
    expect(raw('update main.items set a = 1')).toEqual(['items'])
    expect(raw('delete from [items] where 1')).toEqual(['items'])
    expect(raw('insert into a (x) values (1) on conflict do update set x = 2')).toEqual(['a'])
    expect(raw('create table if not exists kysely_migration (name text)')).toEqual(['kysely_migration'])
    expect(raw('select * from items where note = "update"')).toEqual([])
    expect(writtenTables(sql`delete from ${sql.table('items')}`.compile(db))).toEqual(['items'])
  })
})
