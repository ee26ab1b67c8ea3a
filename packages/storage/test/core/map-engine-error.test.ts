import { describe, expect, it } from 'vitest'
import { mapEngineError } from '../../src/core/map-engine-error.js'
import {
  CheckConstraintError,
  ForeignKeyConstraintError,
  LimitExceededError,
  NotNullConstraintError,
  StorageError,
  StorageQuotaError,
  UniqueConstraintError,
} from '../../src/index.js'

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
      new Error(
        'D1_ERROR: NOT NULL constraint failed: items.name: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)',
      ),
      'd1',
    )
    expect(notNull).toBeInstanceOf(NotNullConstraintError)
    expect(notNull).toMatchObject({ table: 'items', columns: ['name'] })

    const check = mapEngineError(
      new Error(
        'D1_ERROR: CHECK constraint failed: quantity_not_negative: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)',
      ),
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

  it('maps a damaged database to CORRUPT_STORAGE, in every engine’s wording', () => {
    const reports = [
      ['d1', new Error('D1_ERROR: database disk image is malformed: SQLITE_CORRUPT')],
      ['d1', new Error('D1_ERROR: file is not a database: SQLITE_NOTADB')],
      ['sqlite', Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' })],
      ['sqlite', Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' })],
      ['indexeddb', new Error('SQLITE_CORRUPT: sqlite3 result code 11: database disk image is malformed')],
    ] as const
    for (const [adapter, report] of reports) {
      const error = mapEngineError(report, adapter)
      expect(error).toMatchObject({ code: 'CORRUPT_STORAGE', adapter, cause: report })
      expect(error.message).toBe(`[@inventory/storage] [${adapter}] the stored database is damaged: ${report.message}`)
    }
  })

  it('keeps other D1 errors as QUERY_FAILED with the original as cause', () => {
    const original = new Error('D1_ERROR: no such table: nosuch: SQLITE_ERROR')
    const error = mapEngineError(original, 'd1')
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'QUERY_FAILED', cause: original })
    expect(error.message).toBe('[@inventory/storage] [d1] D1_ERROR: no such table: nosuch: SQLITE_ERROR')
  })
})

describe('mapEngineError, for each engine’s wording of the same failure', () => {
  const engines = {
    'better-sqlite3': (text: string) => Object.assign(new Error(text), { code: 'SQLITE_CONSTRAINT' }),
    d1: (text: string) => new Error(`D1_ERROR: ${text}: SQLITE_CONSTRAINT`),
    wasm: (text: string) => new Error(`SQLITE_CONSTRAINT_UNIQUE: sqlite3 result code 2067: ${text}`),
  }

  for (const [engine, wrap] of Object.entries(engines)) {
    describe(`messages as ${engine} words them`, () => {
      it('reads a unique violation with table and columns', () => {
        const error = mapEngineError(wrap('UNIQUE constraint failed: items.sku'), 'x')
        expect(error).toBeInstanceOf(UniqueConstraintError)
        expect(error).toMatchObject({ table: 'items', columns: ['sku'], adapter: 'x' })
      })

      it('reads a composite unique violation', () => {
        const error = mapEngineError(wrap('UNIQUE constraint failed: locations.warehouse, locations.bin'), 'x')
        expect(error).toMatchObject({ table: 'locations', columns: ['warehouse', 'bin'] })
      })

      it('reads not null, foreign key and check violations', () => {
        expect(mapEngineError(wrap('NOT NULL constraint failed: items.name'), 'x')).toBeInstanceOf(
          NotNullConstraintError,
        )
        expect(mapEngineError(wrap('FOREIGN KEY constraint failed'), 'x')).toMatchObject({
          code: 'FOREIGN_KEY_CONSTRAINT',
          table: undefined,
          columns: [],
        })
        expect(mapEngineError(wrap('CHECK constraint failed: quantity >= 0'), 'x')).toMatchObject({
          code: 'CHECK_CONSTRAINT',
          constraint: 'quantity >= 0',
        })
      })
    })
  }

  it('keeps the cause and names library and adapter in the message', () => {
    const cause = new Error('UNIQUE constraint failed: items.sku')
    const error = mapEngineError(cause, 'sqlite')
    expect(error.cause).toBe(cause)
    expect(error.message).toBe('[@inventory/storage] [sqlite] unique constraint failed on items.(sku)')
    expect(error.name).toBe('UniqueConstraintError')
  })

  it('maps quota errors from browsers and full disks', () => {
    const quota = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' })
    expect(mapEngineError(quota, 'indexeddb')).toBeInstanceOf(StorageQuotaError)
    expect(
      mapEngineError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'sqlite'),
    ).toBeInstanceOf(StorageQuotaError)
  })

  it.each([
    ['statement-length', 'D1_ERROR: statement too long: SQLITE_TOOBIG'],
    ['value-size', 'D1_ERROR: string or blob too big: SQLITE_TOOBIG'],
    ['value-size', 'string or blob too big'],
    ['bound-parameters', 'D1_ERROR: too many SQL variables at offset 207: SQLITE_ERROR'],
    ['columns', 'D1_ERROR: too many columns on wide: SQLITE_ERROR'],
    ['queries-per-invocation', 'Too many API requests by single worker invocation.'],
    ['queries-per-invocation', 'Too many subrequests by single Worker invocation.'],
  ])('maps an engine limit to LimitExceededError (%s): %s', (limit, message) => {
    const cause = new Error(message)
    const error = mapEngineError(cause, 'd1')
    expect(error).toBeInstanceOf(LimitExceededError)
    expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED', limit, adapter: 'd1', cause })
    expect(error.message).toContain(message)
  })

  it('wraps any other failure as QUERY_FAILED and passes typed errors through', () => {
    const error = mapEngineError(new Error('near "selec": syntax error'), 'sqlite')
    expect(error).toBeInstanceOf(StorageError)
    expect(error.code).toBe('QUERY_FAILED')
    expect(error.message).toContain('syntax error')
    const typed = new CheckConstraintError({ adapter: 'd1' })
    expect(mapEngineError(typed, 'sqlite')).toBe(typed)
    expect(mapEngineError('a string', 'sqlite').message).toContain('a string')
    expect(new ForeignKeyConstraintError({ adapter: 'd1' }).message).toBe(
      '[@inventory/storage] [d1] foreign key constraint failed',
    )
  })

  it('serialises to JSON with its structured fields and without the engine error', () => {
    const error = mapEngineError(new Error('UNIQUE constraint failed: items.sku'), 'd1')
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'UniqueConstraintError',
      message: '[@inventory/storage] [d1] unique constraint failed on items.(sku)',
      code: 'UNIQUE_CONSTRAINT',
      adapter: 'd1',
      table: 'items',
      columns: ['sku'],
    })
  })
})
