/** The columns of an exported file, in order; an import needs `sku` and `name`, the rest are optional. */
export const CSV_COLUMNS = ['sku', 'name', 'quantity', 'location', 'category', 'reorder_level', 'unit_cost'] as const

/** Writes rows as RFC 4180 CSV (CRLF line ends, quotes where needed). */
export function formatCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((row) => row.map(formatCell).join(',')).join('\r\n')}\r\n`
}

function formatCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One parsed record with the line it starts on (1-based). */
export interface CsvRecord {
  readonly line: number
  readonly cells: string[]
}

/** Reads RFC 4180 CSV: quoted cells may hold commas, quotes (doubled) and line breaks. Blank lines are skipped. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let recordLine = 1
  const endRecord = () => {
    cells.push(cell)
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells })
    cells = []
    cell = ''
  }
  for (let index = 0; index < source.length; index++) {
    const char = source[index]
    if (quoted) {
      if (char === '"' && source[index + 1] === '"') {
        cell += '"'
        index++
      } else if (char === '"') {
        quoted = false
      } else {
        if (char === '\n') line++
        cell += char
      }
    } else if (char === '"' && cell === '') {
      quoted = true
    } else if (char === ',') {
      cells.push(cell)
      cell = ''
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[index + 1] === '\n') index++
      endRecord()
      line++
      recordLine = line
    } else {
      cell += char
    }
  }
  if (cell !== '' || cells.length > 0) endRecord()
  return records
}
