/** The columns of an exported file, in order; an import needs `sku` and `name`, the rest are optional. */
export const CSV_COLUMNS = ['sku', 'name', 'quantity', 'location', 'category', 'reorder_level', 'unit_cost'] as const

/** Text a spreadsheet would evaluate as a formula: it starts with `=`, `+`, `-`, `@`, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/
/** A cell holding an apostrophe put in front of it on export: the apostrophe is taken off on import. */
const PROTECTED_CELL = /^'[=+\-@\t\r']/

/**
 * Writes rows as RFC 4180 CSV (CRLF line ends, quotes where needed). A text cell that a
 * spreadsheet would evaluate gets an apostrophe in front (OWASP's rule against CSV injection),
 * as does a text cell that starts with an apostrophe {@link parseCsv} would take off, so that
 * `parseCsv` gives back exactly the values written.
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((row) => row.map(formatCell).join(',')).join('\r\n')}\r\n`
}

function formatCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  const safe = typeof value === 'string' && (FORMULA_START.test(text) || PROTECTED_CELL.test(text)) ? `'${text}` : text
  return /[",\r\n]/.test(safe) || /^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/** A cell as the user meant it: the apostrophe {@link formatCsv} put in front of a formula taken off. */
function unprotectCell(cell: string): string {
  return PROTECTED_CELL.test(cell) ? cell.slice(1) : cell
}

/** One parsed record with the line it starts on (1-based). */
export interface CsvRecord {
  readonly line: number
  readonly cells: string[]
}

/**
 * Reads RFC 4180 CSV: quoted cells may hold commas, quotes (doubled) and line breaks. Blank lines
 * are skipped. A cell starting with an apostrophe followed by `=`, `+`, `-`, `@`, a tab, a
 * carriage return or another apostrophe loses that first apostrophe (see {@link formatCsv}).
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let recordLine = 1
  const endCell = () => {
    cells.push(unprotectCell(cell))
    cell = ''
  }
  const endRecord = () => {
    endCell()
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells })
    cells = []
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
      endCell()
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
