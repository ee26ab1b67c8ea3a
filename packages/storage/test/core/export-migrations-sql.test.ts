import Database from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createStorage, exportMigrationsSql, MigrationError } from '../../src/index.js'
import { sqliteAdapter } from '../../src/sqlite.js'
import { conformanceMigrations } from '../conformance/schema.js'

describe('exportMigrationsSql', () => {
  it('writes each migration as SQLite statements with inlined values and its bookkeeping row', async () => {
    const files = await exportMigrationsSql(conformanceMigrations)
    expect(files.map((file) => file.name)).toEqual(['0001_catalog', '0002_movements'])
    const second = files[1]?.sql ?? ''
    expect(second).toContain(`insert into "categories" ("name") values ('tools'), ('parts');`)
    expect(second).toContain(`insert into "kysely_migration" ("name", "timestamp") values ('0002_movements', strftime(`)
    expect(second).not.toContain('?')
  })

  it('produces files that build the same schema as migrate(), and that migrate() then accepts', async () => {
    const database = new Database(':memory:')
    database.pragma('foreign_keys = ON')
    for (const file of await exportMigrationsSql(conformanceMigrations)) database.exec(file.sql)
    const storage = await createStorage({ adapters: sqliteAdapter({ database }) })
    expect(await storage.migrate(conformanceMigrations)).toEqual({
      applied: [],
      alreadyApplied: ['0001_catalog', '0002_movements'],
    })

    const reference = await createStorage({ adapters: sqliteAdapter() })
    await reference.migrate(conformanceMigrations)
    const schemaOf = (db: Kysely<any>) =>
      sql<{ sql: string }>`select sql from sqlite_master where name not like 'kysely_%' order by name`.execute(db)
    expect((await schemaOf(storage.db)).rows).toEqual((await schemaOf(reference.db)).rows)
    await storage.close()
    await reference.close()
    database.close()
  })

  it('escapes quotes, writes blobs as hex and leaves question marks inside literals alone', async () => {
    const [file] = await exportMigrationsSql({
      '0001': {
        async up(db) {
          await db
            .insertInto('t')
            .values({ text: "it's ?", data: new Uint8Array([0, 255]), flag: true })
            .execute()
          await sql`insert into t (text) values ('keep ? here', ${'and ? this'})`.execute(db)
        },
      },
    })
    expect(file?.sql).toContain(`values ('it''s ?', X'00ff', 1);`)
    expect(file?.sql).toContain(`values ('keep ? here', 'and ? this');`)
  })

  it('refuses a migration that reads data', async () => {
    const failure = await exportMigrationsSql({
      '0001_reads': {
        async up(db) {
          await db.selectFrom('items').selectAll().execute()
        },
      },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationError)
    expect(failure).toMatchObject({ migration: '0001_reads' })
  })
})
