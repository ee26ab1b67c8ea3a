import { readdir, readFile } from 'node:fs/promises'
import { exportMigrationsSql } from '@inventory/storage'
import { migrations } from '../src/domain/migrations.js'

/** Where the D1 migration files live, as `wrangler d1 migrations apply` reads them. */
export const d1MigrationsDir = new URL('../migrations/', import.meta.url)

/** The `.sql` files the domain's migrations produce, keyed by file name. */
export async function expectedD1Migrations(): Promise<Map<string, string>> {
  const header = '-- Generated from src/domain/migrations.ts by `pnpm migrations:export`. Do not edit.\n'
  return new Map((await exportMigrationsSql(migrations)).map(({ name, sql }) => [`${name}.sql`, header + sql]))
}

/** The `.sql` files on disk, keyed by file name. */
export async function writtenD1Migrations(): Promise<Map<string, string>> {
  const names = (await readdir(d1MigrationsDir).catch(() => [])).filter((name) => name.endsWith('.sql')).sort()
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, await readFile(new URL(name, d1MigrationsDir), 'utf8')] as const),
    ),
  )
}
