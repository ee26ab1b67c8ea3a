import { describeError } from './describe-error.js'
import { h } from './dom.js'
import { formError } from './form-fields.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'

/** How long the download's object URL is kept; the browser has read it long before. */
const URL_LIFETIME_MS = 10_000

/** Saves the whole database (items and their history) as a SQLite file. */
export async function downloadBackup(context: PageContext): Promise<void> {
  try {
    const { file, filename } = await context.client.downloadBackup()
    const link = h('a', { href: URL.createObjectURL(file), download: filename })
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), URL_LIFETIME_MS)
  } catch (error) {
    context.notify(describeError(error))
  }
}

/** Replaces the whole inventory with a backup file, after saying what that means. */
export function openRestoreDialog(context: PageContext): void {
  const file = h('input', {
    type: 'file',
    name: 'backup',
    accept: '.sqlite,.sqlite3,.db,application/vnd.sqlite3',
    'aria-label': 'Backup file',
  })
  const restoreButton = h('button', { type: 'button', class: 'primary', disabled: true }, 'Restore')
  const message = formError()
  file.addEventListener('change', () => {
    message.textContent = ''
    restoreButton.disabled = !file.files?.[0]
  })
  restoreButton.addEventListener('click', async () => {
    const chosen = file.files?.[0]
    if (!chosen) return
    restoreButton.disabled = true
    message.textContent = ''
    try {
      const { items, movements } = await context.client.restoreBackup(chosen)
      dialog.close()
      context.notify(`Restored the backup: ${items} items, ${movements} movements`)
      await context.refresh()
    } catch (error) {
      message.textContent = describeError(error)
      restoreButton.disabled = false
    }
  })
  const dialog = openModal(
    'Restore from backup',
    [
      h(
        'p',
        { class: 'lead' },
        'Replaces the whole inventory, items and history, with a backup downloaded earlier (a .sqlite file). ' +
          'Changes made since that backup are lost. A file that is not a backup is refused and nothing changes.',
      ),
      file,
      message,
      h('div', { class: 'buttons' }, restoreButton),
    ],
    'restore-dialog',
  )
}
