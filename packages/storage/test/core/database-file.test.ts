import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { exportDatabase, StorageError } from '../../src/index.js'
import { checkDatabaseFile } from '../../src/core/database-file.js'
import { exactItems } from '../conformance/database-file-cases.js'
import { type ConformanceDB, conformanceMigrations } from '../conformance/schema.js'
import { adapterHarnesses } from '../support/adapter-harnesses.js'

const harnesses = [adapterHarnesses.sqliteFile(), adapterHarnesses.indexedDb(), adapterHarnesses.localStorage()]

describe('exportDatabase gives a file other SQLite programs open', () => {
  afterAll(async () => {
    for (const harness of harnesses) await harness.dispose()
  })

  it.each(harnesses.map((harness) => [harness.name, harness] as const))(
    'better-sqlite3 opens the file exported by %s, intact, with every value',
    async (_, harness) => {
      const storage = await harness.open<ConformanceDB>()
      await storage.migrate(conformanceMigrations)
      await storage.db.insertInto('items').values(exactItems).execute()
      const file = await exportDatabase(storage)
      const opened = new Database(Buffer.from(file))
      try {
        expect(opened.pragma('integrity_check', { simple: true })).toBe('ok')
        const rows = opened.prepare('select sku, name, data, big, price, note from items order by sku').all() as {
          data: Buffer | null
        }[]
        expect(rows.map((row) => ({ ...row, data: row.data && [...row.data] }))).toEqual(
          [...exactItems]
            .sort((a, b) => (a.sku < b.sku ? -1 : 1))
            .map((item) => ({ ...item, data: item.data && [...item.data] })),
        )
      } finally {
        opened.close()
        await harness.cleanup()
      }
    },
  )
})

describe('checkDatabaseFile', () => {
  const refusal = (bytes: Uint8Array) => {
    try {
      checkDatabaseFile(bytes, 'sqlite')
      return undefined
    } catch (error) {
      return error as StorageError
    }
  }
  const withHeader = (length: number, pageSize: number) => {
    const bytes = new Uint8Array(length)
    bytes.set(new TextEncoder().encode('SQLite format 3\u0000'))
    bytes[16] = pageSize >> 8
    bytes[17] = pageSize & 0xff
    return bytes
  }

  it('refuses with CORRUPT_STORAGE and a reason: short, no header, bad page size, partial page', () => {
    expect(refusal(new Uint8Array(100))?.message).toMatch(/fewer than one page/)
    expect(refusal(new Uint8Array(4096))?.message).toMatch(/SQLite header/)
    expect(refusal(withHeader(4096, 1000))?.message).toMatch(/page size 1000/)
    expect(refusal(withHeader(4096 + 10, 4096))?.message).toMatch(/whole number/)
    expect(refusal(withHeader(4096, 4096))).toBeUndefined()
    expect(refusal(new Uint8Array(100))).toBeInstanceOf(StorageError)
    expect(refusal(new Uint8Array(100))?.code).toBe('CORRUPT_STORAGE')
  })
})
