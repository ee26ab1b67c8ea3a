import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorage, StorageError } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { type ConformanceDB, conformanceMigrations } from '../../conformance/schema.js'
import { tempDir } from '../../support/temp-dir.js'

const dir = tempDir('sqlite-damaged')
afterAll(() => dir.remove())
let files = 0

/** A closed database file of a few pages, with rows in items. */
async function storedFile(): Promise<string> {
  const filename = join(dir.path, `damaged-${++files}.sqlite`)
  const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
  await storage.migrate(conformanceMigrations)
  const rows = Array.from({ length: 400 }, (_, index) => ({ sku: `S${index}`, name: 'x'.repeat(200) }))
  for (let start = 0; start < rows.length; start += 100) {
    await storage.db
      .insertInto('items')
      .values(rows.slice(start, start + 100))
      .execute()
  }
  await storage.close()
  return filename
}

/** Opens the file and reads every item; the error it fails with, or undefined. */
async function openAndRead(filename: string): Promise<unknown> {
  try {
    const storage = await createStorage<ConformanceDB>({ adapters: sqliteAdapter({ filename }) })
    try {
      await storage.db.selectFrom('items').selectAll().execute()
    } finally {
      await storage.close()
    }
  } catch (error) {
    return error
  }
  return undefined
}

const expectCorrupt = (error: unknown) => {
  expect(error).toBeInstanceOf(StorageError)
  expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter: 'sqlite' })
  expect((error as Error).message).toMatch(/^\[@inventory\/storage\] \[sqlite\] the stored database is damaged: /)
}

describe('sqlite: a damaged file', () => {
  it('answers "file is not a database" with CORRUPT_STORAGE', async () => {
    const filename = join(dir.path, 'text.sqlite')
    writeFileSync(filename, 'these are notes, not a database\n'.repeat(200))
    expectCorrupt(await openAndRead(filename))
  })

  it('answers "database disk image is malformed" with CORRUPT_STORAGE', async () => {
    const filename = await storedFile()
    const bytes = readFileSync(filename)
    // Keep page 1 (header and schema), garble every other page.
    for (let index = 4096; index < bytes.length; index++) bytes[index] = (index * 73 + 41) % 256
    writeFileSync(filename, bytes)
    expectCorrupt(await openAndRead(filename))
  })

  it('answers a truncated file with CORRUPT_STORAGE', async () => {
    const filename = await storedFile()
    const size = readFileSync(filename).length
    expect(size).toBeGreaterThan(8 * 4096)
    truncateSync(filename, Math.floor(size / 4096 / 2) * 4096 + 1000)
    expectCorrupt(await openAndRead(filename))
  })
})
