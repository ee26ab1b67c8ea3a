// One of several processes working on the same SQLite file at the same moment. Prints `ready`
// and waits for a line on stdin, so that all of them start together, then:
//   migrate <file>         migrates the file and prints the report as JSON
//   increment <file> <n>   runs n transactions that read a counter, then write it + 1
import type { Kysely, Migration } from 'kysely'
import { createStorage } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'

export const processMigrations: Record<string, Migration> = {
  '0001_runs': {
    async up(db: Kysely<any>) {
      // Widens the moment between reading the history and writing, where processes collide.
      await pause(50)
      await db.schema
        .createTable('runs')
        .addColumn('migration', 'text', (column) => column.notNull())
        .execute()
      await db.schema
        .createTable('counter')
        .addColumn('id', 'integer', (column) => column.primaryKey())
        .addColumn('value', 'integer', (column) => column.notNull())
        .execute()
      await db.insertInto('counter').values({ id: 1, value: 0 }).execute()
      await db.insertInto('runs').values({ migration: '0001_runs' }).execute()
    },
  },
  '0002_more': {
    async up(db: Kysely<any>) {
      await db.insertInto('runs').values({ migration: '0002_more' }).execute()
    },
  },
  '0003_again': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('runs').addColumn('note', 'text').execute()
      await db.insertInto('runs').values({ migration: '0003_again' }).execute()
    },
  },
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

const [mode, filename, count] = process.argv.slice(2)
if (mode && filename) {
  process.stdout.write('ready\n')
  await new Promise((resolve) => process.stdin.once('data', resolve))
  process.stdin.pause()
  try {
    const storage = await createStorage<any>({ adapters: sqliteAdapter({ filename }) })
    if (mode === 'migrate') {
      process.stdout.write(`${JSON.stringify(await storage.migrate(processMigrations))}\n`)
    } else if (mode === 'increment') {
      for (let n = 0; n < Number(count); n++) {
        await storage.transaction(async (trx) => {
          const { value } = await trx
            .selectFrom('counter')
            .select('value')
            .where('id', '=', 1)
            .executeTakeFirstOrThrow()
          await trx
            .updateTable('counter')
            .set({ value: value + 1 })
            .where('id', '=', 1)
            .execute()
        })
      }
      process.stdout.write('done\n')
    }
    await storage.close()
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ failed: String((error as Error).message), code: (error as { code?: string }).code })}\n`,
    )
    process.exitCode = 1
  }
}
