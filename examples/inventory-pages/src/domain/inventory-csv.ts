import type { StorageProvider } from '@inventory/storage'
import type { Kysely } from 'kysely'
import { insertItems, insertOpeningMovements, insertQuantityChanges, updateItems } from './bulk-item-queries.js'
import { CSV_COLUMNS, type CsvRecord, formatCsv, parseCsv } from './csv.js'
import { guardedWrite } from './guarded-write.js'
import { InventoryError, type RowErrors } from './inventory-error.js'
import type { InventoryDB } from './schema.js'
import { fieldErrors, MAX_IMPORT_ROWS, type NewItem, newItemSchema, trimSpaces } from './validation.js'

/** What an import would do, row by row; nothing is written by a preview. */
export interface ImportPreview {
  /**
   * Some of the rows, in file order: every row with an error first, up to {@link PREVIEW_ROWS},
   * then the first rows without one. The counts cover the whole file.
   */
  readonly rows: ImportRow[]
  /** How many rows of the file `rows` leaves out. */
  readonly rows_omitted: number
  readonly create_count: number
  readonly update_count: number
  readonly error_count: number
}

export interface ImportRow {
  readonly line: number
  readonly sku: string
  /** `create` a new item, `update` the item with this SKU, or `error` (see `errors`). */
  readonly action: 'create' | 'update' | 'error'
  readonly errors: Readonly<Record<string, string>>
}

/** The most rows a preview lists, and the most invalid rows a refused import names. */
export const PREVIEW_ROWS = 100
/** Rows validated, or written, between two turns given to other work. */
const CHUNK_ROWS = 500
const IMPORT_REASON = 'CSV import'

/** A row of the file, checked: the item it holds when it is valid. */
interface PlannedRow extends ImportRow {
  readonly item: NewItem | null
}

/** Every item as CSV, in the columns an import reads back. */
export async function exportCsv(db: Kysely<InventoryDB>): Promise<string> {
  const items = await db.selectFrom('items').select(CSV_COLUMNS).orderBy('sku').execute()
  return formatCsv(
    CSV_COLUMNS,
    items.map((item) => CSV_COLUMNS.map((column) => item[column])),
  )
}

/** Reads a CSV file and says, per row, what importing it would do or why it cannot. */
export async function previewImport(db: Kysely<InventoryDB>, csv: string): Promise<ImportPreview> {
  const rows = await planImport(db, csv)
  const shown = sample(rows)
  return {
    rows: shown.map(({ line, sku, action, errors }) => ({ line, sku, action, errors })),
    rows_omitted: rows.length - shown.length,
    create_count: rows.filter((row) => row.action === 'create').length,
    update_count: rows.filter((row) => row.action === 'update').length,
    error_count: rows.filter((row) => row.action === 'error').length,
  }
}

/**
 * Imports a CSV file: new SKUs are created, known ones updated, and quantity changes recorded as
 * movements. All or nothing: a file with any invalid row imports nothing, and a write that fails
 * leaves the inventory as it was. A large file is written in chunks with turns for other requests
 * in between, inside one transaction where the storage has interactive transactions (SQLite, the
 * browser) and as one atomic batch where it does not (D1).
 */
export async function applyImport(
  storage: StorageProvider<InventoryDB>,
  csv: string,
): Promise<{ created: number; updated: number }> {
  const rows = await planImport(storage.db, csv)
  const invalid: RowErrors[] = rows
    .filter((row) => row.action === 'error')
    .map((row) => ({ line: row.line, fields: row.errors }))
  if (invalid.length > 0) {
    const listed = invalid.length > PREVIEW_ROWS ? `; the first ${PREVIEW_ROWS} are listed` : ''
    throw new InventoryError('invalid_input', `${invalid.length} of ${rows.length} rows cannot be imported${listed}`, {
      fields: { csv: 'some rows are invalid' },
      rows: invalid.slice(0, PREVIEW_ROWS),
    })
  }
  const at = new Date().toISOString()
  const chunks = chunked(rows, CHUNK_ROWS)
  const writesOf = (db: Kysely<InventoryDB>, chunk: readonly PlannedRow[]) => {
    const created = itemsOf(chunk, 'create')
    const updated = itemsOf(chunk, 'update')
    return [
      ...(updated.length > 0
        ? [insertQuantityChanges(db, updated, at, IMPORT_REASON), updateItems(db, updated, at)]
        : []),
      ...(created.length > 0
        ? [insertItems(db, created, at), insertOpeningMovements(db, created, at, IMPORT_REASON)]
        : []),
    ]
  }
  await guardedWrite(async () => {
    if (!storage.capabilities.interactiveTransactions) {
      await storage.batch(chunks.flatMap((chunk) => writesOf(storage.db, chunk)))
      return
    }
    await storage.transaction(async (trx) => {
      for (const chunk of chunks) {
        for (const write of writesOf(trx, chunk)) await write.execute()
        await yieldToEventLoop()
      }
    })
  })
  return { created: itemsOf(rows, 'create').length, updated: itemsOf(rows, 'update').length }
}

/** Checks every row of the file against the schema, the header and the stored SKUs. */
async function planImport(db: Kysely<InventoryDB>, csv: string): Promise<PlannedRow[]> {
  const [header, ...records] = parseCsv(csv)
  const columns = (header?.cells ?? []).map((cell) => cell.trim().toLowerCase())
  const missing = ['sku', 'name'].filter((column) => !columns.includes(column))
  if (!header || missing.length > 0) {
    throw new InventoryError(
      'invalid_input',
      `the header must name the columns ${missing.join(' and ') || 'sku and name'}`,
      { fields: { csv: `header row needs: ${CSV_COLUMNS.join(', ')}` } },
    )
  }
  const unknown = columns.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column))
  if (unknown.length > 0) {
    throw new InventoryError('invalid_input', `unknown columns: ${unknown.join(', ')}`, {
      fields: { csv: `unknown columns: ${unknown.join(', ')}` },
    })
  }
  if (records.length > MAX_IMPORT_ROWS) {
    const limit = MAX_IMPORT_ROWS.toLocaleString('en-US')
    throw new InventoryError(
      'too_large',
      `an import takes at most ${limit} rows; this file has ${records.length.toLocaleString('en-US')}. Split it into several files`,
      { fields: { csv: `at most ${MAX_IMPORT_ROWS} rows` } },
    )
  }
  const existing = new Set((await db.selectFrom('items').select('sku').execute()).map((row) => row.sku))
  const firstLineOf = new Map<string, number>()
  const rows: PlannedRow[] = []
  for (const chunk of chunked(records, CHUNK_ROWS)) {
    for (const record of chunk) rows.push(planRow(record, columns, existing, firstLineOf))
    if (chunk.length === CHUNK_ROWS) await yieldToEventLoop()
  }
  return rows
}

function planRow(
  record: CsvRecord,
  columns: readonly string[],
  existing: ReadonlySet<string>,
  firstLineOf: Map<string, number>,
): PlannedRow {
  const raw = Object.fromEntries(columns.map((column, index) => [column, record.cells[index] ?? '']))
  const sku = trimSpaces(raw.sku ?? '')
  const errors: Record<string, string> = Object.create(null)
  if (record.cells.length !== columns.length)
    errors.row = `${record.cells.length} cells, the header has ${columns.length}`
  const parsed = newItemSchema.safeParse(toItemInput(raw))
  if (!parsed.success) Object.assign(errors, fieldErrors(parsed.error))
  const firstLine = firstLineOf.get(sku)
  if (sku !== '' && firstLine !== undefined) errors.sku ??= `repeats line ${firstLine}`
  else firstLineOf.set(sku, record.line)
  if (Object.keys(errors).length > 0 || !parsed.success) {
    return { line: record.line, sku, action: 'error', item: null, errors }
  }
  const action = existing.has(parsed.data.sku) ? 'update' : 'create'
  return { line: record.line, sku, action, item: parsed.data, errors }
}

/** CSV cells are text; numbers are converted here so the schema names the cell that is not one. */
function toItemInput(raw: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(raw)) {
    const trimmed = trimSpaces(value)
    if (column === 'quantity' || column === 'reorder_level' || column === 'unit_cost') {
      if (trimmed !== '') input[column] = Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed)
    } else {
      input[column] = trimmed
    }
  }
  return input
}

/** The rows a preview lists: those with errors first, then the first others; in file order. */
function sample(rows: readonly PlannedRow[]): PlannedRow[] {
  if (rows.length <= PREVIEW_ROWS) return [...rows]
  const withErrors = rows.filter((row) => row.action === 'error').slice(0, PREVIEW_ROWS)
  const others = rows.filter((row) => row.action !== 'error').slice(0, PREVIEW_ROWS - withErrors.length)
  return [...withErrors, ...others].sort((a, b) => a.line - b.line)
}

function itemsOf(rows: readonly PlannedRow[], action: 'create' | 'update'): NewItem[] {
  return rows.flatMap((row) => (row.action === action && row.item ? [row.item] : []))
}

function chunked<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < values.length; start += size) chunks.push(values.slice(start, start + size))
  return chunks
}

/** Lets timers, I/O and other requests run before continuing (Node, workerd and browsers alike). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resume) => setTimeout(resume, 0))
}
