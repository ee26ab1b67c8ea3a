import { type Generated, type Kysely, type Migration, sql } from 'kysely'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { type D1Database, d1Adapter, d1Bookmark } from '../../../src/d1.js'
import {
  createStorage,
  LimitExceededError,
  StorageError,
  type StorageProvider,
  UniqueConstraintError,
  UnsupportedOperationError,
} from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { MiniflareD1Pool, type MiniflareD1Database } from '../../support/miniflare-d1-pool.js'

interface NotesDB {
  notes: { id: Generated<number>; title: string; body: Uint8Array | null }
}

const migrations: Record<string, Migration> = {
  '0001_notes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', (column) => column.primaryKey())
        .addColumn('title', 'text', (column) => column.notNull().unique())
        .addColumn('body', 'blob')
        .execute()
    },
  },
}

const pool = new MiniflareD1Pool(16)
afterAll(() => pool.dispose())

/** D1 bookmarks are fixed-width hex fields, so a later one sorts after an earlier one. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/

describe('d1 sessions (Miniflare)', () => {
  let database: MiniflareD1Database
  let reconnect: () => Promise<MiniflareD1Database>
  const opened: StorageProvider<NotesDB>[] = []

  const open = async (session?: string, binding: D1Database = database) => {
    const storage = await createStorage<NotesDB>({ adapters: d1Adapter({ database: binding, session }) })
    opened.push(storage)
    return storage
  }

  beforeEach(async () => {
    ;({ database, reconnect } = await pool.fresh())
    const setup = await open()
    await setup.migrate(migrations)
    return async () => {
      await Promise.all(opened.splice(0).map((storage) => storage.close()))
    }
  })

  it('advances the bookmark after every write', async () => {
    const storage = await open('first-primary')
    await storage.db.selectFrom('notes').selectAll().execute()
    const before = d1Bookmark(storage)
    expect(before).toMatch(BOOKMARK)

    await storage.db.insertInto('notes').values({ title: 'one' }).execute()
    const afterInsert = d1Bookmark(storage) as string
    expect(afterInsert > (before as string)).toBe(true)

    await storage.db.updateTable('notes').set({ title: 'two' }).execute()
    expect((d1Bookmark(storage) as string) > afterInsert).toBe(true)
  })

  it('continues a session from a bookmark on another handle: the next request reads its own write', async () => {
    const first = await open('first-unconstrained')
    await first.db.insertInto('notes').values({ title: 'written in request one' }).execute()
    const bookmark = d1Bookmark(first) as string

    // The next request: a new binding handle, a new provider, the bookmark the client sent back.
    const second = await open(bookmark, await reconnect())
    const notes = await second.db.selectFrom('notes').select('title').execute()
    expect(notes).toEqual([{ title: 'written in request one' }])
    expect((d1Bookmark(second) as string) >= bookmark).toBe(true)
  })

  it('runs a batch inside the session, atomically, and moves the bookmark past it', async () => {
    const storage = await open('first-primary')
    await storage.db.selectFrom('notes').selectAll().execute()
    const before = d1Bookmark(storage) as string

    const [inserted, count] = await storage.batch([
      storage.db.insertInto('notes').values([{ title: 'a' }, { title: 'b' }]),
      storage.db.selectFrom('notes').select((eb) => eb.fn.countAll<number>().as('count')),
    ])
    expect(inserted?.numAffectedRows).toBe(2n)
    expect(count?.rows).toEqual([{ count: 2 }])
    const after = d1Bookmark(storage) as string
    expect(after > before).toBe(true)

    const failure = await storage
      .batch([
        storage.db.insertInto('notes').values({ title: 'c' }),
        storage.db.insertInto('notes').values({ title: 'a' }),
      ])
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(UniqueConstraintError)
    expect(failure).toMatchObject({ adapter: 'd1', table: 'notes', columns: ['title'] })
    const titles = await storage.db.selectFrom('notes').select('title').orderBy('title').execute()
    expect(titles.map((note) => note.title)).toEqual(['a', 'b'])
  })

  it('types errors inside a session as everywhere else', async () => {
    const storage = await open('first-primary')
    await storage.db.insertInto('notes').values({ title: 'taken' }).execute()
    await expect(storage.db.insertInto('notes').values({ title: 'taken' }).execute()).rejects.toBeInstanceOf(
      UniqueConstraintError,
    )
    await expect(storage.transaction(async () => undefined)).rejects.toBeInstanceOf(UnsupportedOperationError)
  })

  it('has no bookmark without a session: every query then reaches the primary', async () => {
    const storage = await open()
    await storage.db.insertInto('notes').values({ title: 'primary' }).execute()
    expect(d1Bookmark(storage)).toBeNull()
  })

  it('refuses an empty session, a binding without the Sessions API, and a provider of another adapter', async () => {
    const empty = await open('  ').catch((error: unknown) => error)
    expect(empty).toBeInstanceOf(StorageError)
    expect(empty).toMatchObject({ code: 'INVALID_PARAMETER', adapter: 'd1' })

    const withoutSessions: D1Database = {
      prepare: (query) => database.prepare(query),
      batch: (statements) => database.batch(statements as never),
    }
    const old = await open('first-primary', withoutSessions).catch((error: unknown) => error)
    expect(old).toBeInstanceOf(UnsupportedOperationError)
    expect((old as Error).message).toContain('withSession')

    const local = await createStorage<NotesDB>({ adapters: sqliteAdapter({ filename: ':memory:' }) })
    try {
      expect(() => d1Bookmark(local)).toThrow(UnsupportedOperationError)
    } finally {
      await local.close()
    }
  })
})

describe("d1's limits as typed errors (Miniflare)", () => {
  let storage: StorageProvider<NotesDB>

  beforeEach(async () => {
    storage = await createStorage<NotesDB>({ adapters: d1Adapter({ database: (await pool.fresh()).database }) })
    await storage.migrate(migrations)
    return () => storage.close()
  })

  const failureOf = (work: Promise<unknown>) =>
    work.then(
      () => undefined,
      (error: unknown) => error,
    )

  it('a statement over 100 KB of SQL is a LimitExceededError, and nothing of it was written', async () => {
    const title = 'x'.repeat(101_000)
    const failure = await failureOf(sql`insert into notes (title) values (${sql.lit(title)})`.execute(storage.db))
    expect(failure).toBeInstanceOf(LimitExceededError)
    expect(failure).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'statement-length', adapter: 'd1' })
    expect((failure as Error).message).toContain('bind values as parameters')
    expect(await storage.db.selectFrom('notes').select('id').execute()).toEqual([])

    // The same text bound as a parameter fits.
    await storage.db.insertInto('notes').values({ title }).execute()
    expect(
      await storage.db
        .selectFrom('notes')
        .select((eb) => eb.fn('length', ['title']).as('length'))
        .execute(),
    ).toEqual([{ length: 101_000 }])
  })

  it('a value over 2 MB is a LimitExceededError', async () => {
    const failure = await failureOf(
      storage.db
        .insertInto('notes')
        .values({ title: 'scan', body: new Uint8Array(3_000_000) })
        .execute(),
    )
    expect(failure).toBeInstanceOf(LimitExceededError)
    expect(failure).toMatchObject({ limit: 'value-size', adapter: 'd1' })
    expect(await storage.db.selectFrom('notes').select('id').execute()).toEqual([])
  })

  it('a table of more than 100 columns is a LimitExceededError', async () => {
    let table = storage.db.schema.createTable('wide')
    for (let index = 0; index < 101; index++) table = table.addColumn(`c${index}`, 'integer')
    const failure = await failureOf(table.execute())
    expect(failure).toBeInstanceOf(LimitExceededError)
    expect(failure).toMatchObject({ limit: 'columns', adapter: 'd1' })
  })
})
