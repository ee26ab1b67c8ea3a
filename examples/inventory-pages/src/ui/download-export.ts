import { describeError } from './describe-error.js'
import { h } from './dom.js'
import type { PageContext } from './page-context.js'

/** How long the download's object URL is kept; the browser has read it long before. */
const URL_LIFETIME_MS = 10_000

/** Saves every item as `inventory.csv`. */
export async function downloadExport(context: PageContext): Promise<void> {
  try {
    const csv = await context.client.exportCsv()
    const link = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: 'inventory.csv' })
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), URL_LIFETIME_MS)
  } catch (error) {
    context.notify(describeError(error))
  }
}
