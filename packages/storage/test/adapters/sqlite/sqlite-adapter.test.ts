import { spawn } from 'node:child_process'
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createStorage, type Placeholders, type StorageProvider } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'
import { tempDir } from '../../support/temp-dir.js'

describe('sqlite adapter', () => {
  it('is available where better-sqlite3 loads', async () => {
    expect(await sqliteAdapter().isAvailable()).toBe(true)
  })

  it('opens files in WAL mode with foreign keys on, and close() releases the file', async () => {
    const dir = tempDir('sqlite-wal')
    const filename = join(dir.path, 'app.sqlite')
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
    const pragma = async (name: string) =>
      (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(storage.db)).rows[0]
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' })
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 })
    await storage.migrate(conformanceMigrations)
    await storage.close()
    // A closed WAL database checkpoints and removes its -wal file; the file can be moved and reopened.
    expect(existsSync(`${filename}-wal`)).toBe(false)
    renameSync(filename, `${filename}.moved`)
    const reopened = new Database(`${filename}.moved`)
    expect(reopened.prepare('select count(*) as n from categories').get()).toEqual({ n: 2 })
    reopened.close()
    dir.remove()
  })

  it('uses a given database handle and leaves it open on close', async () => {
    const database = new Database(':memory:')
    const storage = await createStorage({ adapters: sqliteAdapter({ database }) })
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1)
    await storage.close()
    expect(database.open).toBe(true)
    database.close()
  })

  it('keeps the options it was given, whatever the caller changes afterwards', async () => {
    const dir = tempDir('sqlite-options')
    const filename = join(dir.path, 'given.sqlite')
    const options: { filename?: string; database?: Database.Database } = { filename }
    const adapter = sqliteAdapter(options)
    const other = new Database(':memory:')
    options.filename = join(dir.path, 'changed.sqlite')
    options.database = other
    const storage = await createStorage({ adapters: adapter })
    await sql`create table t (x)`.execute(storage.db)
    await storage.close()
    expect(existsSync(filename)).toBe(true)
    expect(existsSync(join(dir.path, 'changed.sqlite'))).toBe(false)
    expect(other.prepare('select count(*) as n from sqlite_master').get()).toEqual({ n: 0 })
    other.close()
    dir.remove()
  })

  it('reuses prepared statements and keeps the cache bounded', async () => {
    const { database, prepared } = recordingPrepares()
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ database, statementCacheSize: 4 }) })
    await storage.migrate(conformanceMigrations)
    const pointSelect = (id: number) => storage.db.selectFrom('items').selectAll().where('id', '=', id).execute()
    await pointSelect(1)
    const before = prepared.length
    for (let id = 0; id < 50; id++) await pointSelect(id)
    expect(prepared.length).toBe(before)
    for (let n = 1; n <= 10; n++) await storage.db.selectFrom('items').select(sql.lit(n).as('n')).execute()
    expect(prepared.length).toBe(before + 10)
    await pointSelect(1)
    expect(prepared.length).toBe(before + 11)
    await storage.close()
    database.close()
  })

  it('runs a prepared query and insertMany on one better-sqlite3 statement each', async () => {
    const { database, prepared } = recordingPrepares()
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ database }) })
    await storage.migrate(conformanceMigrations)
    prepared.length = 0
    const rows = Array.from({ length: 500 }, (_, index) => ({ sku: `S${index}`, name: 'n', quantity: index }))
    expect((await storage.insertMany('items', rows)).numInsertedOrUpdatedRows).toBe(500n)
    const byId = storage.prepare((db, $: Placeholders<{ id: number }>) =>
      db.selectFrom('items').select('quantity').where('id', '=', $('id')),
    )
    for (let id = 1; id <= 500; id++) expect(await byId.executeTakeFirst({ id })).toEqual({ quantity: id - 1 })
    // begin and commit were prepared by the migrations already
    expect(prepared).toEqual([
      'insert into "items" ("sku", "name", "quantity") values (?, ?, ?)',
      'select "quantity" from "items" where "id" = ?',
    ])
    await storage.close()
    database.close()
  })

  it('keeps a statement that is used often while rarely used ones come and go', async () => {
    const { database, prepared } = recordingPrepares()
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ database, statementCacheSize: 3 }) })
    await storage.migrate(conformanceMigrations)
    const hot = () => storage.db.selectFrom('items').select('sku').where('id', '=', 1).execute()
    await hot()
    prepared.length = 0
    for (let n = 1; n <= 20; n++) {
      await storage.db.selectFrom('items').select(sql.lit(n).as('n')).execute()
      await hot()
    }
    expect(prepared.filter((source) => source.startsWith('select "sku"'))).toEqual([])
    expect(prepared).toHaveLength(20)
    await storage.close()
    database.close()
  })

  it('keeps every acknowledged write when the process is killed mid-loop', async () => {
    const dir = tempDir('sqlite-crash')
    const filename = join(dir.path, 'crash.sqlite')
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'crash-writer.ts'), filename],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const acknowledged: number[] = []
    await new Promise<void>((resolve, reject) => {
      let buffer = ''
      writer.stdout.setEncoding('utf8')
      writer.stdout.on('data', (chunk: string) => {
        buffer += chunk
        const lines = buffer.split('\n')
        buffer = lines.pop() ?? ''
        for (const line of lines) if (line) acknowledged.push(Number(line))
        if (acknowledged.length >= 200) {
          writer.kill('SIGKILL')
          resolve()
        }
      })
      writer.on('exit', () => resolve())
      writer.on('error', reject)
    })
    expect(acknowledged.length).toBeGreaterThanOrEqual(200)
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
    const stored = await storage.db.selectFrom('items').select('quantity').orderBy('quantity').execute()
    const storedSet = new Set(stored.map((row) => row.quantity))
    expect(acknowledged.filter((n) => !storedSet.has(n))).toEqual([])
    expect(stored.map((row) => row.quantity)).toEqual([...Array(stored.length).keys()])
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(storage.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
    await storage.close()
    dir.remove()
  })
})

/** An in-memory better-sqlite3 database that records the source of every statement it prepares. */
function recordingPrepares() {
  const database = new Database(':memory:')
  const prepared: string[] = []
  const prepare = database.prepare.bind(database)
  database.prepare = ((source: string) => {
    prepared.push(source)
    return prepare(source)
  }) as typeof database.prepare
  return { database, prepared }
}

describe('Kysely options', () => {
  it("passes Kysely's log option through, with the SQL of each query", async () => {
    const logged: string[] = []
    const storage = await createStorage<ConformanceDB>({
      adapters: sqliteAdapter({
        log: (event) => {
          logged.push(`${event.level}: ${event.query.sql}`)
        },
      }),
    })
    await storage.migrate(conformanceMigrations)
    logged.length = 0
    await storage.db.selectFrom('items').select('sku').where('id', '=', 1).execute()
    await storage.db.insertInto('items').values({ sku: 'A', name: 'a' }).execute()
    await storage.db
      .insertInto('items')
      .values({ sku: 'A', name: 'a' })
      .execute()
      .catch(() => undefined)
    expect(logged).toEqual([
      'query: select "sku" from "items" where "id" = ?',
      'query: insert into "items" ("sku", "name") values (?, ?)',
      'error: insert into "items" ("sku", "name") values (?, ?)',
    ])
    await storage.close()
  })

  it('closes with await using', async () => {
    let closed: StorageProvider<ConformanceDB> | undefined
    {
      await using storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter() })
      closed = storage
    }
    await expect(closed.db.selectFrom('items').selectAll().execute()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' })
  })
})
