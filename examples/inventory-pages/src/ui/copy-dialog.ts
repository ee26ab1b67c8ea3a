import { h } from './dom.js'
import { field, formError } from './form-fields.js'
import type { CopyReport, CopyTarget } from './copy-to-server.js'
import { describeError } from './describe-error.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'

/**
 * Asks for a server's address and write token, and copies this browser's inventory there (the
 * browser-only build): what was copied and what the server refused is shown in the dialog.
 */
export function openCopyDialog(context: PageContext, copy: (target: CopyTarget) => Promise<CopyReport>): void {
  const copyButton = h('button', { type: 'submit', class: 'primary' }, 'Copy')
  const summary = h('p', { class: 'copy-summary', 'data-testid': 'copy-summary', role: 'status' })
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h(
      'p',
      { class: 'lead' },
      'Copies every item of this browser, with its history, into the inventory of a server running this site ' +
        '(Node or Cloudflare Pages). Items whose SKU the server has already are left out and listed. ' +
        'This browser keeps its data.',
    ),
    h(
      'div',
      { class: 'grid' },
      field({ name: 'url', label: 'Server address', type: 'url', required: true }),
      field({ name: 'token', label: 'API token of the server', type: 'password', required: true }),
    ),
    formError(),
    summary,
    h('div', { class: 'buttons' }, h('span', { class: 'spacer' }), copyButton),
  )
  const message = form.querySelector('.form-error') as HTMLElement
  openModal('Copy to a server', [form], 'copy-dialog')
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const data = new FormData(form)
    message.textContent = ''
    summary.textContent = ''
    copyButton.disabled = true
    try {
      const report = await copy({ url: String(data.get('url') ?? ''), token: String(data.get('token') ?? '') })
      summary.textContent = describeReport(report)
      context.notify(`Copied ${report.copied.length} items`)
    } catch (error) {
      message.textContent = describeError(error)
    } finally {
      copyButton.disabled = false
    }
  })
}

function describeReport({ copied, refused }: CopyReport): string {
  const done = `Copied ${copied.length} ${copied.length === 1 ? 'item' : 'items'}.`
  if (refused.length === 0) return done
  const left = refused.map(({ sku, reason }) => `${sku} (${reason})`).join(', ')
  return `${done} Not copied: ${left}.`
}
