import { z } from 'zod'
import { InventoryError } from './inventory-error.js'

/** The most units one item holds: what a stock adjustment may reach and what an import accepts. */
export const MAX_QUANTITY = 1_000_000_000
/** The most rows one CSV import (or its preview) takes; a larger file is refused whole. */
export const MAX_IMPORT_ROWS = 10_000

/**
 * Removes the spaces around a value. Tabs and line breaks are kept: they are part of what the
 * user wrote, and trimming a leading tab would turn `\t=1+1` into a formula.
 */
export function trimSpaces(value: string): string {
  return value.replace(/^ +| +$/g, '')
}

const text = (max: number) => z.string().overwrite(trimSpaces).max(max, `at most ${max} characters`)

const itemFields = {
  sku: z
    .string()
    .overwrite(trimSpaces)
    .min(1, 'required')
    .max(40, 'at most 40 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, 'letters, digits and . _ - / only'),
  name: text(200).min(1, 'required'),
  location: text(100),
  category: text(100),
  reorder_level: z.int('a whole number').min(0, 'cannot be negative').max(1_000_000_000, 'too large'),
  unit_cost: z.number('a number').min(0, 'cannot be negative').max(1_000_000_000, 'too large'),
}

/** A new item: SKU and name are required, the rest have defaults. */
export const newItemSchema = z.strictObject({
  ...itemFields,
  quantity: z.int('a whole number').min(0, 'cannot be negative').max(MAX_QUANTITY, 'too large').default(0),
  location: itemFields.location.default(''),
  category: itemFields.category.default(''),
  reorder_level: itemFields.reorder_level.default(0),
  unit_cost: itemFields.unit_cost.default(0),
})
export type NewItem = z.output<typeof newItemSchema>

/** Changes to an item; its quantity changes only through stock adjustments. */
export const itemChangesSchema = z.strictObject({
  sku: itemFields.sku.optional(),
  name: itemFields.name.optional(),
  location: itemFields.location.optional(),
  category: itemFields.category.optional(),
  reorder_level: itemFields.reorder_level.optional(),
  unit_cost: itemFields.unit_cost.optional(),
})
export type ItemChanges = z.output<typeof itemChangesSchema>

/** A stock adjustment: units in (positive) or out (negative), and why. */
export const adjustmentSchema = z.strictObject({
  delta: z
    .int('a whole number')
    .min(-MAX_QUANTITY, 'too large')
    .max(MAX_QUANTITY, 'too large')
    .refine((delta) => delta !== 0, 'cannot be zero'),
  reason: text(200).min(1, 'required'),
})
export type Adjustment = z.output<typeof adjustmentSchema>

/** Filters of the item list; every value arrives as text from a query string. */
export const itemFilterSchema = z.strictObject({
  q: text(200).optional(),
  category: text(100).optional(),
  location: text(100).optional(),
  low_stock: z.enum(['true', 'false'], 'true or false').optional(),
})
export type ItemFilter = z.output<typeof itemFilterSchema>

export const movementFilterSchema = z.strictObject({
  item_id: z.coerce.number().int('a whole number').positive('a positive id').optional(),
  limit: z.coerce.number().int('a whole number').min(1, 'at least 1').max(500, 'at most 500').default(50),
})
export type MovementFilter = z.output<typeof movementFilterSchema>

export const importSchema = z.strictObject({
  csv: z.string('the CSV text').max(1_000_000, 'at most 1,000,000 characters'),
})

/**
 * Field name → first message, from a failed parse. The record has no prototype, so a field
 * named `__proto__` or `constructor` is named like any other.
 */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = Object.create(null)
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] ??= 'unknown field'
      continue
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
    fields[field] ??= issue.message
  }
  return fields
}

/** Parses `input` or throws an {@link InventoryError} naming every field at fault. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const fields = fieldErrors(result.error)
  throw new InventoryError('invalid_input', `invalid ${Object.keys(fields).join(', ')}`, { fields })
}
