import { describe, expect, it } from 'vitest'
import { StatementCache } from '../../src/core/statement-cache.js'

/** A statement that says which SQL it was prepared for and whether it was finalized. */
interface FakeStatement {
  readonly sql: string
  finalized: boolean
}

function recordingCache(capacity: number, maxSqlLength?: number) {
  const prepared: string[] = []
  const finalized: string[] = []
  const cache = new StatementCache<FakeStatement>({
    capacity,
    maxSqlLength,
    prepare: (sql) => {
      prepared.push(sql)
      return { sql, finalized: false }
    },
    finalize: (statement) => {
      statement.finalized = true
      finalized.push(statement.sql)
    },
  })
  return { cache, prepared, finalized }
}

describe('StatementCache', () => {
  it('prepares each SQL text once and hands back the same statement', () => {
    const { cache, prepared } = recordingCache(4)
    const first = cache.get('select 1')
    expect(cache.get('select 1')).toBe(first)
    cache.get('select 2')
    expect(cache.get('select 1')).toBe(first)
    expect(prepared).toEqual(['select 1', 'select 2'])
  })

  it('evicts the oldest statement not used since the last scan, and finalizes exactly it', () => {
    const { cache, prepared, finalized } = recordingCache(3)
    const a = cache.get('a')
    cache.get('b')
    cache.get('c')
    cache.get('a')
    cache.get('d')
    // 'a' was used again, so it got a second chance; 'b' is the oldest unused one.
    expect(finalized).toEqual(['b'])
    expect(cache.get('a')).toBe(a)
    expect(a.finalized).toBe(false)
    cache.get('b')
    expect(prepared).toEqual(['a', 'b', 'c', 'd', 'b'])
    expect(finalized).toEqual(['b', 'c'])
  })

  it('keeps a statement used between every miss while the others come and go', () => {
    const { cache, prepared, finalized } = recordingCache(3)
    const hot = cache.get('hot')
    for (let n = 1; n <= 20; n++) {
      cache.get(`cold ${n}`)
      expect(cache.get('hot')).toBe(hot)
    }
    expect(prepared.filter((sql) => sql === 'hot')).toHaveLength(1)
    expect(finalized).not.toContain('hot')
    expect(finalized).toHaveLength(20 - 2)
  })

  it('keeps nothing with capacity 0, and no SQL longer than the limit', () => {
    const none = recordingCache(0)
    none.cache.get('select 1')
    none.cache.get('select 1')
    expect(none.prepared).toEqual(['select 1', 'select 1'])
    const limited = recordingCache(4, 8)
    limited.cache.get('short')
    limited.cache.get('short')
    limited.cache.get('much too long')
    limited.cache.get('much too long')
    expect(limited.prepared).toEqual(['short', 'much too long', 'much too long'])
    expect(limited.finalized).toEqual([])
  })

  it('finalizes every kept statement on clear, then prepares afresh', () => {
    const { cache, prepared, finalized } = recordingCache(4)
    cache.get('a')
    cache.get('b')
    cache.clear()
    expect(finalized).toEqual(['a', 'b'])
    cache.get('a')
    expect(prepared).toEqual(['a', 'b', 'a'])
  })
})
