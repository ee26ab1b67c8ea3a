import type { InventoryClient, Overview } from './inventory-client.js'

/** What a dialog or an action needs from the page: the data, and how to show what it changed. */
export interface PageContext {
  readonly client: InventoryClient
  /** The totals and filter values the list showed last, or `null` before it first loaded. */
  overview(): Overview | null
  /** Reloads the list, the totals and the history. */
  refresh(): Promise<void>
  /** Shows a short message for a few seconds. */
  notify(text: string): void
}
