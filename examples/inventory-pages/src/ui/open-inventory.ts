import { ApiInventoryClient, type InventoryClient, InventoryRequestError, readApiResponse } from './inventory-client.js'
import type { LiveInventory } from './live-inventory.js'
import { askForToken } from './token-dialog.js'
import { WriteToken } from './write-token.js'

/** The inventory the page works on, and, where other tabs can change it, its data as live queries. */
export interface OpenedInventory {
  readonly client: InventoryClient
  readonly live?: LiveInventory
}

/** The build made with `vite build --mode browser-only`: the static site that keeps the data in the browser. */
const BROWSER_ONLY = import.meta.env.MODE === 'browser-only'

/**
 * Opens the inventory where this build keeps it: the server's API (Node on SQLite, or Pages
 * Functions on D1), or, in the browser-only build, this browser. A server that does not answer
 * is an error to show and retry; it never sends the data anywhere else.
 */
export async function openInventory(): Promise<OpenedInventory> {
  if (BROWSER_ONLY) {
    const { openBrowserInventory } = await import('./browser-inventory.js')
    return openBrowserInventory()
  }
  const health = await readHealth()
  const token = new WriteToken(askForToken)
  return {
    client: new ApiInventoryClient(
      `Server · ${health.adapter}`,
      (request) => fetch(request),
      (renew) => (health.writes_require_token ? token.get(renew) : Promise.resolve(null)),
    ),
  }
}

interface Health {
  adapter: string
  writes_require_token: boolean
}

async function readHealth(): Promise<Health> {
  let response: Response
  try {
    response = await fetch('/api/health', { headers: { accept: 'application/json' }, cache: 'no-store' })
  } catch {
    throw new InventoryRequestError(0, 'the server cannot be reached; check the connection and try again')
  }
  if (response.ok && !response.headers.get('content-type')?.startsWith('application/json')) {
    throw new InventoryRequestError(
      response.status,
      'the server did not answer /api/health with JSON: is the API deployed with this site?',
    )
  }
  return readApiResponse<Health>(response)
}
