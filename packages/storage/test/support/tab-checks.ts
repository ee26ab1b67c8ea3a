import { type Kysely, sql } from 'kysely'
import type { StorageProvider } from '../../src/index.js'

/** The one-counter schema the multi-tab tests race on. */
export interface CounterDB {
  counters: { id: number; value: number }
}

/** Reads the counter and writes it back plus one, in one transaction; resolves to the value read. */
export function incrementCounter(provider: StorageProvider<CounterDB>): Promise<number> {
  return provider.transaction(async (trx) => {
    const { value } = await trx.selectFrom('counters').select('value').where('id', '=', 1).executeTakeFirstOrThrow()
    await trx
      .updateTable('counters')
      .set({ value: value + 1 })
      .where('id', '=', 1)
      .execute()
    return value
  })
}

/** SQLite's own check of the whole database: `[{ integrity_check: 'ok' }]` when sound. */
export async function integrityCheck(db: Kysely<any>): Promise<{ integrity_check: string }[]> {
  return (await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db)).rows
}

/** Polls `condition` every 5 ms until it holds, for at most 5 s. */
export async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('condition not met within 5 s')
}
