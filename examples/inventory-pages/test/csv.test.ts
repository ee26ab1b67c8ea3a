import { describe, expect, it } from 'vitest'
import { formatCsv, parseCsv } from '../src/domain/csv.js'

describe('CSV', () => {
  it('quotes only the cells that need it', () => {
    expect(
      formatCsv(
        ['a', 'b'],
        [
          ['plain', 'has, comma'],
          ['say "hi"', ' padded'],
          [3, null],
        ],
      ),
    ).toBe('a,b\r\nplain,"has, comma"\r\n"say ""hi"""," padded"\r\n3,\r\n')
  })

  it('reads back what it writes, including quotes and line breaks inside cells', () => {
    const rows = [
      ['HAM-1', 'Hammer, claw', '3'],
      ['TAP-1', 'Tape "5 m"\nyellow', ''],
    ]
    const parsed = parseCsv(formatCsv(['sku', 'name', 'quantity'], rows))
    expect(parsed.map((record) => record.cells)).toEqual([['sku', 'name', 'quantity'], ...rows])
    expect(parsed.map((record) => record.line)).toEqual([1, 2, 3])
  })

  it('accepts LF or CRLF line ends and a byte order mark, and skips blank lines', () => {
    expect(parseCsv('\uFEFFsku,name\n\nA,x\r\nB,y').map((record) => [record.line, record.cells])).toEqual([
      [1, ['sku', 'name']],
      [3, ['A', 'x']],
      [4, ['B', 'y']],
    ])
  })
})
