import { type Generated, type Kysely, type Migration, sql } from 'kysely'
import { createStorage, type StorageProvider } from '../../src/index.js'
import { indexedDbAdapter } from '../../src/indexeddb.js'
import { localStorageAdapter } from '../../src/local-storage.js'

interface PageDB {
  counters: { id: number; value: number }
  log: { n: number }
  notes: { id: Generated<number>; text: string; tag: string | null }
}

/** The notes schema in two releases: the second adds a column, as an app upgrade would. */
function notesMigrations(release: 1 | 2): Record<string, Migration> {
  const first: Record<string, Migration> = {
    '0001_notes': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('notes')
          .addColumn('id', 'integer', (column) => column.primaryKey())
          .addColumn('text', 'text', (column) => column.notNull())
          .execute()
      },
    },
  }
  if (release === 1) return first
  return {
    ...first,
    '0002_note_tags': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('notes').addColumn('tag', 'text').execute()
      },
    },
  }
}

let storage: StorageProvider<PageDB> | undefined
let remoteChanges = 0

function opened(): StorageProvider<PageDB> {
  if (!storage) throw new Error('call open() first')
  return storage
}

/** What the end-to-end tests drive in each page through `page.evaluate`. */
const tab = {
  async open(name: string, adapter: 'indexeddb' | 'local-storage' = 'indexeddb') {
    const adapters = adapter === 'indexeddb' ? indexedDbAdapter({ name }) : localStorageAdapter({ name })
    storage = await createStorage<PageDB>({ adapters })
    storage.onChange((event) => {
      if (event.source === 'remote') remoteChanges++
    })
    await sql`create table if not exists counters (id integer primary key, value integer not null)`.execute(storage.db)
    await sql`insert or ignore into counters (id, value) values (1, 0)`.execute(storage.db)
    await sql`create table if not exists log (n integer primary key)`.execute(storage.db)
  },
  async increment(times: number) {
    for (let i = 0; i < times; i++) {
      await opened().transaction(async (trx) => {
        const { value } = await trx.selectFrom('counters').select('value').executeTakeFirstOrThrow()
        await trx
          .updateTable('counters')
          .set({ value: value + 1 })
          .execute()
      })
    }
  },
  /** Logs 1, 2, 3, ... until the page goes away, acknowledging each write once it resolved. */
  async writeForever(acknowledge: (n: number) => Promise<void>) {
    for (let n = 1; ; n++) {
      await opened().db.insertInto('log').values({ n }).execute()
      void acknowledge(n)
    }
  },
  /** Migrates to the given release of the notes schema; resolves to the report, or to the error's name and message. */
  async migrate(release: 1 | 2) {
    try {
      return await opened().migrate(notesMigrations(release))
    } catch (error) {
      return { error: (error as Error).name, message: (error as Error).message }
    }
  },
  async addNotes(count: number, text: string) {
    for (let i = 0; i < count; i++) await opened().db.insertInto('notes').values({ text }).execute()
  },
  async noteColumns() {
    return (await sql<{ name: string }>`select name from pragma_table_info('notes')`.execute(opened().db)).rows.map(
      (row) => row.name,
    )
  },
  async noteCount() {
    return (
      await opened()
        .db.selectFrom('notes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  },
  async counter() {
    return (await opened().db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value
  },
  async logged() {
    return (await opened().db.selectFrom('log').select('n').orderBy('n').execute()).map((row) => row.n)
  },
  async integrity() {
    return (await sql<{ integrity_check: string }>`pragma integrity_check`.execute(opened().db)).rows
  },
  remoteChanges: () => remoteChanges,
}

Object.assign(globalThis, { tab })
export type Tab = typeof tab
