import { ApiInventoryClient, type InventoryClient } from './inventory-client.js'

/** The inventory the page works on, and, where other tabs can change it, how to hear about it. */
export interface OpenedInventory {
  readonly client: InventoryClient
  readonly onRemoteChange?: (listener: () => void) => void
}

const TOKEN_KEY = 'inventory-api-token'

/**
 * Finds where the data lives. A server answering `GET /api/health` with JSON serves the API (Node
 * on SQLite, or Pages Functions on D1); without one, as on a static deploy, the data is kept in
 * this browser.
 */
export async function openInventory(): Promise<OpenedInventory> {
  const health = await fetch('/api/health', { headers: { accept: 'application/json' } }).then(
    async (response) =>
      response.ok && response.headers.get('content-type')?.startsWith('application/json')
        ? ((await response.json()) as Health)
        : null,
    () => null,
  )
  if (!health) {
    const { openBrowserInventory } = await import('./browser-inventory.js')
    return openBrowserInventory()
  }
  return {
    client: new ApiInventoryClient(
      `Server · ${health.adapter}`,
      (request) => fetch(request),
      (renew) => tokenFor(health, renew),
    ),
  }
}

interface Health {
  adapter: string
  writes_require_token: boolean
}

/** The write token, asked for when the server requires one and kept in this browser; asked again when refused. */
function tokenFor(health: Health, renew: boolean): string | null {
  if (!health.writes_require_token) return null
  const saved = localStorage.getItem(TOKEN_KEY)
  if (saved && !renew) return saved
  const given = prompt(
    renew && saved ? 'The API token was refused. Enter the right one:' : 'Changes need the API token:',
  )?.trim()
  if (given) localStorage.setItem(TOKEN_KEY, given)
  return given || null
}
