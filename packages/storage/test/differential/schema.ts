import { sql } from 'kysely'
import type { StorageProvider } from '../../src/index.js'

/**
 * The small schema the differential run works on: every kind of constraint the library maps to a
 * typed error, on few enough values that random operations collide with them often.
 */
export interface DifferentialDB {
  owners: { id: number; name: string }
  things: { id: number; owner_id: number; label: string; qty: number; price: number | null }
}

const CREATE = [
  'create table owners (id integer primary key, name text not null unique)',
  `create table things (
    id integer primary key,
    owner_id integer not null references owners (id),
    label text not null,
    qty integer not null check (qty >= 0),
    price real,
    unique (owner_id, label)
  )`,
]

/** Creates both tables in a new database. */
export async function createSchema(storage: StorageProvider<DifferentialDB>): Promise<void> {
  for (const statement of CREATE) await sql.raw(statement).execute(storage.db)
}

/** Empties both tables in one atomic batch, so one open database serves many sequences. */
export async function emptyTables(storage: StorageProvider<DifferentialDB>): Promise<void> {
  await storage.batch([storage.db.deleteFrom('things'), storage.db.deleteFrom('owners')])
}
