import './styles.css'
import { openAdjustDialog } from './adjust-dialog.js'
import { describeError } from './describe-error.js'
import { openDetailsDialog } from './details-dialog.js'
import { downloadBackup, openRestoreDialog } from './backup.js'
import { downloadExport } from './download-export.js'
import { openImportDialog } from './import-dialog.js'
import { InventoryView } from './inventory-view.js'
import { openItemDialog } from './item-dialog.js'
import { type OpenedInventory, openInventory } from './open-inventory.js'
import type { PageContext } from './page-context.js'
import { findShell, type Shell } from './shell.js'
import { Toast } from './toast.js'
import { showSync } from './sync-state.js'
import { openCopyDialog } from './copy-dialog.js'

start(findShell(document))

/** Opens the inventory and shows it, or says why it could not and offers to try again. */
async function start(shell: Shell): Promise<void> {
  shell.fatal.hidden = true
  shell.boot.hidden = false
  let opened: OpenedInventory
  try {
    opened = await openInventory()
  } catch (error) {
    shell.boot.hidden = true
    shell.fatalMessage.textContent = describeError(error)
    shell.fatalRetry.onclick = () => start(shell)
    shell.fatal.hidden = false
    return
  }
  const page = showInventory(shell, opened)
  if ('serviceWorker' in navigator) keepForOffline().catch(() => undefined)
  await page.refresh()
}

/** Wires the view, the toolbar and the dialogs to the opened inventory. */
function showInventory(shell: Shell, { client, live, sync, copyToServer }: OpenedInventory): PageContext {
  const toast = new Toast(shell.toast)
  const view = new InventoryView(
    shell,
    client,
    {
      adjust: (item) => openAdjustDialog(page, item),
      edit: (item) => openItemDialog(page, item),
      showDetails: (id) => openDetailsDialog(page, id),
    },
    live,
  )
  const page: PageContext = {
    client,
    overview: () => view.overview,
    refresh: () => view.refresh(),
    notify: (text) => toast.show(text),
  }
  shell.exportCsv.addEventListener('click', () => downloadExport(page))
  shell.importCsv.addEventListener('click', () => openImportDialog(page))
  shell.downloadBackup.addEventListener('click', () => downloadBackup(page))
  shell.restoreBackup.addEventListener('click', () => openRestoreDialog(page))
  shell.addItem.addEventListener('click', () => openItemDialog(page))
  shell.mode.textContent = client.description
  if (sync) showSync(shell.syncState, sync, toast)
  if (copyToServer) {
    shell.copyToServer.hidden = false
    shell.copyToServer.addEventListener('click', () => openCopyDialog(page, copyToServer))
  }
  shell.boot.hidden = true
  shell.app.hidden = false
  return page
}

/**
 * Registers the service worker and hands it the site's files this page loaded (its scripts, styles
 * and SQLite's module and .wasm), so the page opens offline from the first visit on. The worker
 * only keeps what it fetches itself once it controls a page; a host that lets browsers cache built
 * files only briefly (Pages does, unlike the Node server) would otherwise leave the first offline
 * start without them.
 */
async function keepForOffline(): Promise<void> {
  await navigator.serviceWorker.register('/service-worker.js')
  const { active } = await navigator.serviceWorker.ready
  const files = performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === location.origin && url.pathname.startsWith('/assets/'))
    .map((url) => url.pathname)
  active?.postMessage({ keep: [...new Set(files)] })
}
