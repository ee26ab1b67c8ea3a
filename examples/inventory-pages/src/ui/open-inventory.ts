import { ApiInventoryClient, type InventoryClient } from './inventory-client.js'

const TOKEN_KEY = 'inventory-api-token'

/**
 * Finds where the data lives: a server answering `GET /api/health` with JSON means the API is
 * served (Node on SQLite, or Pages Functions on D1).
 */
export async function openInventory(): Promise<InventoryClient> {
  const health = await fetch('/api/health', { headers: { accept: 'application/json' } }).then(
    async (response) => (response.ok && response.headers.get('content-type')?.startsWith('application/json') ? ((await response.json()) as Health) : null),
    () => null,
  )
  if (!health) throw new Error('No inventory API answers at /api/health. Start the server with `pnpm dev`.')
  return new ApiInventoryClient(`Server · ${health.adapter}`, (request) => fetch(request), () => tokenFor(health))
}

interface Health {
  adapter: string
  writes_require_token: boolean
}

/** The write token, asked for once when the server requires one and kept for this browser. */
function tokenFor(health: Health): string | null {
  if (!health.writes_require_token) return null
  const saved = localStorage.getItem(TOKEN_KEY)
  if (saved) return saved
  const given = prompt('This inventory needs an API token for changes:')?.trim()
  if (given) localStorage.setItem(TOKEN_KEY, given)
  return given || null
}
