import type { Kysely } from 'kysely'
import { MIGRATION_TABLE } from '../core/migrations.js'

/**
 * The name of the last migration applied to a database: what client and server compare to know
 * they have the same schema. `null` for a database that was never migrated.
 */
export async function schemaVersion(db: Kysely<any>): Promise<string | null> {
  try {
    const row = await db
      .selectFrom(MIGRATION_TABLE)
      .select((eb) => eb.fn.max('name').as('name'))
      .executeTakeFirst()
    return (row?.name as string | null | undefined) ?? null
  } catch (error) {
    // Only a missing history means "never migrated"; a closed or broken database is an error.
    if (error instanceof Error && /no such table/i.test(error.message)) return null
    throw error
  }
}
