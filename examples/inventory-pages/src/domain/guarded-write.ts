import { CheckConstraintError, UniqueConstraintError } from '@inventory/storage'
import { InventoryError } from './inventory-error.js'

/** Runs a write, turning the storage's constraint errors into the inventory's terms. */
export async function guardedWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof UniqueConstraintError && error.columns.includes('sku')) {
      throw new InventoryError('conflict', 'an item with this SKU already exists', {
        fields: { sku: 'already used by another item' },
      })
    }
    if (error instanceof CheckConstraintError) {
      throw new InventoryError('invalid_input', 'a value is out of range', {
        fields: { [checkedColumn(error.constraint)]: 'out of range' },
      })
    }
    throw error
  }
}

function checkedColumn(constraint: string | undefined): string {
  return /^\s*(\w+)/.exec(constraint ?? '')?.[1] ?? 'body'
}
