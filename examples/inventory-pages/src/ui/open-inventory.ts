import { ApiInventoryClient, type InventoryClient, InventoryRequestError, readApiResponse } from './inventory-client.js'
import type { LiveInventory } from './live-inventory.js'
import type { OfflineFirstSync } from './offline-first-inventory.js'
import type { CopyReport, CopyTarget } from './copy-to-server.js'
import { askForToken } from './token-dialog.js'
import { WriteToken } from './write-token.js'

/** The inventory the page works on, and, where other tabs can change it, its data as live queries. */
export interface OpenedInventory {
  readonly client: InventoryClient
  readonly live?: LiveInventory
  /** In the offline-first build: the replica's sync, for the header and the messages about refused changes. */
  readonly sync?: OfflineFirstSync
  /** In the browser-only build: copies this browser's inventory to a server. */
  readonly copyToServer?: (target: CopyTarget) => Promise<CopyReport>
}

/** The build made with `vite build --mode browser-only`: the static site that keeps the data in the browser. */
const BROWSER_ONLY = import.meta.env.MODE === 'browser-only'
/** The build made with `vite build --mode offline-first`: a replica in the browser, synced with the server. */
const OFFLINE_FIRST = import.meta.env.MODE === 'offline-first'

/**
 * Opens the inventory where this build keeps it: the server's API (Node on SQLite, or Pages
 * Functions on D1), in the browser-only build this browser, and in the offline-first build a
 * replica in this browser synced with the server's API. A server that does not answer
 * is an error to show and retry; it never sends the data anywhere else.
 */
export async function openInventory(): Promise<OpenedInventory> {
  if (BROWSER_ONLY) {
    const { openBrowserInventory } = await import('./browser-inventory.js')
    return openBrowserInventory()
  }
  const token = new WriteToken(askForToken)
  if (OFFLINE_FIRST) {
    // The replica opens without the server: offline, the page works on what it last synced.
    const health = await readHealth().catch(() => null)
    const needsToken = (renew: boolean) =>
      health === null || health.writes_require_token ? token.get(renew) : Promise.resolve(null)
    const { openOfflineFirstInventory } = await import('./offline-first-inventory.js')
    const server = new ApiInventoryClient('Server', (request) => fetch(request), needsToken)
    return openOfflineFirstInventory(server, (renew) =>
      // Without an answer from /api/health, send a token kept earlier, never ask for one offline.
      health === null && !renew ? Promise.resolve(token.saved()) : needsToken(renew),
    )
  }
  const health = await readHealth()
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
