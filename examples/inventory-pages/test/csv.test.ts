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

  it('puts an apostrophe before text a spreadsheet would evaluate, and reads the value back as it was', () => {
    const values = ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\t=1+1', '\r=1+1', "'=1+1", "''", "'", "'plain", 'plain']
    const written = formatCsv(['value'], [...values.map((value) => [value]), [-5]])
    expect(written.split('\r\n').slice(1, -1)).toEqual([
      "'=1+1",
      "'+cmd",
      "'-2+3",
      "'@SUM(A1)",
      "'\t=1+1",
      `"'\r=1+1"`,
      "''=1+1",
      "'''",
      "'",
      "'plain",
      'plain',
      '-5',
    ])
    expect(parseCsv(written).map((record) => record.cells[0])).toEqual(['value', ...values, '-5'])
  })

  it('takes the apostrophe off a hand-written formula cell, and keeps it before other text', () => {
    expect(parseCsv("a,b\r\n'=1+1,'quoted'\r\n''x,\t=1+1\r\n").map((record) => record.cells)).toEqual([
      ['a', 'b'],
      ['=1+1', "'quoted'"],
      ["'x", '\t=1+1'],
    ])
  })
})
