import { describe, expect, it } from 'vitest'
import {
  CheckConstraintError,
  ForeignKeyConstraintError,
  mapEngineError,
  NotNullConstraintError,
  StorageError,
  UniqueConstraintError,
} from '../../src/index.js'

// Messages exactly as each engine words them (D1's as Miniflare's workerd reports them).
describe('mapEngineError', () => {
  it.each([
    ['better-sqlite3', 'UNIQUE constraint failed: items.sku'],
    ['D1', 'D1_ERROR: UNIQUE constraint failed: items.sku: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)'],
    ['D1 without extended code', 'D1_ERROR: UNIQUE constraint failed: items.sku: SQLITE_CONSTRAINT'],
    ['WASM SQLite', 'SQLITE_CONSTRAINT_UNIQUE: sqlite3 result code 2067: UNIQUE constraint failed: items.sku'],
  ])('reads table and column of a unique violation from %s', (_engine, message) => {
    const error = mapEngineError(new Error(message), 'd1')
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect(error).toMatchObject({ code: 'UNIQUE_CONSTRAINT', table: 'items', columns: ['sku'], adapter: 'd1' })
  })

  it('reads every column of a composite unique violation from D1', () => {
    const error = mapEngineError(
      new Error(
        'D1_ERROR: UNIQUE constraint failed: locations.warehouse, locations.bin: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)',
      ),
      'd1',
    )
    expect(error).toMatchObject({ table: 'locations', columns: ['warehouse', 'bin'] })
  })

  it('maps D1 not-null, check and foreign-key violations', () => {
    const notNull = mapEngineError(
      new Error('D1_ERROR: NOT NULL constraint failed: items.name: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)'),
      'd1',
    )
    expect(notNull).toBeInstanceOf(NotNullConstraintError)
    expect(notNull).toMatchObject({ table: 'items', columns: ['name'] })

    const check = mapEngineError(
      new Error('D1_ERROR: CHECK constraint failed: quantity_not_negative: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)'),
      'd1',
    )
    expect(check).toBeInstanceOf(CheckConstraintError)
    expect(check).toMatchObject({ constraint: 'quantity_not_negative' })

    const foreignKey = mapEngineError(
      new Error('D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)'),
      'd1',
    )
    expect(foreignKey).toBeInstanceOf(ForeignKeyConstraintError)
    expect(foreignKey).toMatchObject({ table: undefined, columns: [] })
  })

  it('keeps other D1 errors as QUERY_FAILED with the original as cause', () => {
    const original = new Error('D1_ERROR: no such table: nosuch: SQLITE_ERROR')
    const error = mapEngineError(original, 'd1')
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'QUERY_FAILED', cause: original })
    expect(error.message).toBe('[@inventory/storage] [d1] D1_ERROR: no such table: nosuch: SQLITE_ERROR')
  })
})
