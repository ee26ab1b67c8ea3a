/**
 * What went wrong, in terms a caller can act on; the API turns each kind into a status code.
 * `too_large`: an input beyond a documented limit (the rows of one import).
 */
export type InventoryErrorKind = 'invalid_input' | 'not_found' | 'conflict' | 'too_large'

/** One CSV row that cannot be imported, with the reason per field. */
export interface RowErrors {
  /** 1-based line in the CSV file, the header being line 1. */
  readonly line: number
  readonly fields: Readonly<Record<string, string>>
}

/** A rule of the inventory was broken; nothing was written. */
export class InventoryError extends Error {
  readonly kind: InventoryErrorKind
  /** Field name → message, for the fields at fault. */
  readonly fields: Readonly<Record<string, string>>
  /** For an import: every row that cannot be imported. */
  readonly rows: readonly RowErrors[]

  constructor(
    kind: InventoryErrorKind,
    message: string,
    details: { fields?: Record<string, string>; rows?: readonly RowErrors[] } = {},
  ) {
    super(message)
    this.name = 'InventoryError'
    this.kind = kind
    this.fields = details.fields ?? {}
    this.rows = details.rows ?? []
  }
}
