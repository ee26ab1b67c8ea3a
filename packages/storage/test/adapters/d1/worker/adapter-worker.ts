// A Worker that uses the d1 adapter through its binding, bundled and run in workerd by
// d1-in-workerd.test.ts. It answers with what it observed, as JSON.
import type { Generated, Kysely, Migration } from 'kysely'
import { type D1Database, d1Adapter } from '../../../../src/d1.js'
import { createStorage } from '../../../../src/index.js'

interface WorkerDB {
  parts: { id: Generated<number>; code: string; count: number; photo: Uint8Array | null }
}

const migrations: Record<string, Migration> = {
  '0001_parts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('parts')
        .addColumn('id', 'integer', (column) => column.primaryKey())
        .addColumn('code', 'text', (column) => column.notNull().unique())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addColumn('photo', 'blob')
        .execute()
    },
  },
}

export default {
  async fetch(_request: Request, env: { DB: D1Database }): Promise<Response> {
    console.log('adapter worker: start')
    const storage = await createStorage<WorkerDB>({ adapters: d1Adapter({ database: env.DB }) })
    const { db } = storage
    const migrated = await storage.migrate(migrations)
    const parts = Array.from({ length: 300 }, (_, index) => ({ code: `P${index}`, count: index, photo: null }))
    const inserted = await db.insertInto('parts').values(parts).returning('code').execute()
    const [updated, photo] = await storage.batch([
      db
        .updateTable('parts')
        .set({ photo: new Uint8Array([1, 2, 255]) })
        .where('code', '=', 'P0'),
      db.selectFrom('parts').select('photo').where('code', '=', 'P0'),
    ])
    const even = Array.from({ length: 150 }, (_, index) => `P${index * 2}`)
    const selected = await db.selectFrom('parts').select('count').where('code', 'in', even).orderBy('count').execute()
    const duplicate = await db
      .insertInto('parts')
      .values([
        ...parts.slice(0, 50).map((part) => ({ ...part, code: `new ${part.code}` })),
        parts[0] as (typeof parts)[number],
      ])
      .execute()
      .then(() => 'no error')
      .catch((error: Error) => error.name)
    const transaction = await storage.transaction(async () => 'ran').catch((error: Error) => error.name)
    const total = await db
      .selectFrom('parts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const photoRow = photo?.rows[0] as { photo: unknown } | undefined
    await storage.close()
    return Response.json({
      applied: migrated.applied,
      returned: inserted.length,
      firstReturned: inserted[0]?.code,
      lastReturned: inserted[299]?.code,
      updated: Number(updated?.numAffectedRows),
      photoIsBytes: photoRow?.photo instanceof Uint8Array,
      photo: Array.from(photoRow?.photo as Uint8Array),
      selected: selected.length,
      selectedSum: selected.reduce((sum, row) => sum + row.count, 0),
      duplicate,
      transaction,
      total: total.n,
    })
  },
}
