// Writes migrations/*.sql for D1 from the domain's migrations, and removes files no migration produces.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { d1MigrationsDir, expectedD1Migrations, writtenD1Migrations } from './d1-migrations.js'

const expected = await expectedD1Migrations()
await mkdir(d1MigrationsDir, { recursive: true })
for (const name of (await writtenD1Migrations()).keys()) {
  if (!expected.has(name)) await rm(new URL(name, d1MigrationsDir))
}
for (const [name, sql] of expected) await writeFile(new URL(name, d1MigrationsDir), sql)
console.log(`wrote ${[...expected.keys()].join(', ')}`)
