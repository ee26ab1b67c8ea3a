import type { SyncStatus } from '@inventory/storage/sync'
import type { OfflineFirstSync } from './offline-first-inventory.js'
import type { Toast } from './toast.js'

const STATE_TEXT: Readonly<Record<SyncStatus['state'], string>> = {
  idle: 'Synced',
  syncing: 'Syncing…',
  offline: 'Offline',
  error: 'Sync error',
}

/**
 * Shows the offline-first build's sync in the header: its state (`data-state`: idle, syncing,
 * offline or error) and how many changes wait for the server; a click syncs now. Each change the
 * server refused is told in a toast, since the page stops showing it.
 */
export function showSync(element: HTMLButtonElement, sync: OfflineFirstSync, toast: Toast): void {
  const render = (status: SyncStatus) => {
    element.dataset.state = status.state
    element.dataset.pending = String(status.pending)
    const pending = status.pending > 0 ? ` · ${status.pending} pending` : ''
    element.textContent = `${STATE_TEXT[status.state]}${pending}`
    const last = status.lastSyncedAt ? `last synced ${status.lastSyncedAt.toLocaleTimeString()}` : 'not synced yet'
    element.title = status.error ? `${status.error.message} (${last})` : `${last}; click to sync now`
  }
  sync.onStatus(render)
  sync.onRejected((message) => toast.show(message))
  element.addEventListener('click', () => void sync.sync())
  render(sync.status)
  element.hidden = false
}
