import { CSV_COLUMNS, formatCsv } from '../domain/csv.js'
import { describeError } from './describe-error.js'
import { h } from './dom.js'
import { formError } from './form-fields.js'
import type { ImportPreview } from './inventory-client.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'

const EXAMPLE_ROW = ['HAM-002', 'Ball-peen hammer', 4, 'Aisle 1', 'Hand tools', 2, 11.5]

/** Import from a CSV file or pasted text: a preview first, then the import, which is all or nothing. */
export function openImportDialog(context: PageContext): void {
  const textarea = h('textarea', { name: 'csv', rows: 8, placeholder: formatCsv(CSV_COLUMNS, [EXAMPLE_ROW]) })
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': 'CSV file' })
  const preview = h('div', { class: 'preview' })
  const applyButton = h('button', { type: 'button', class: 'primary', disabled: true }, 'Import')
  const message = formError()
  let previewed = ''

  const showPreview = async () => {
    message.textContent = ''
    applyButton.disabled = true
    preview.replaceChildren(h('p', { class: 'loading' }, 'Checking…'))
    try {
      const csv = textarea.value
      const result = await context.client.previewImport(csv)
      previewed = csv
      preview.replaceChildren(renderPreview(result))
      applyButton.disabled = result.error_count > 0 || result.rows.length === 0
    } catch (error) {
      preview.replaceChildren()
      message.textContent = describeError(error)
    }
  }
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0]
    if (!chosen) return
    textarea.value = await chosen.text()
    showPreview()
  })
  applyButton.addEventListener('click', async () => {
    applyButton.disabled = true
    try {
      const { created, updated } = await context.client.applyImport(previewed)
      dialog.close()
      context.notify(`Imported: ${created} created, ${updated} updated`)
      await context.refresh()
    } catch (error) {
      message.textContent = describeError(error)
    }
  })
  const dialog = openModal(
    'Import CSV',
    [
      h(
        'div',
        { class: 'form' },
        h(
          'p',
          { class: 'lead' },
          `Columns: ${CSV_COLUMNS.join(', ')}. Known SKUs are updated, new ones created; `,
          'a file with any invalid row imports nothing.',
        ),
        file,
        textarea,
      ),
      preview,
      message,
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'button', onclick: () => showPreview() }, 'Preview'),
        h('span', { class: 'spacer' }),
        applyButton,
      ),
    ],
    'import-dialog',
  )
}

function renderPreview(result: ImportPreview): HTMLElement {
  const problems = (errors: Readonly<Record<string, string>>) =>
    Object.entries(errors)
      .map(([name, text]) => `${name}: ${text}`)
      .join('; ')
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'summary', 'data-testid': 'import-summary' },
      `${result.create_count} to create, ${result.update_count} to update, ${result.error_count} with errors`,
    ),
    h(
      'table',
      { class: 'items compact' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'SKU'), h('th', {}, 'Action'), h('th', {}, 'Problems')),
      ),
      h(
        'tbody',
        {},
        result.rows.map((row) =>
          h(
            'tr',
            { class: row.action === 'error' ? 'row-error' : null },
            h('td', {}, String(row.line)),
            h('td', { class: 'sku' }, row.sku),
            h('td', {}, row.action),
            h('td', {}, problems(row.errors)),
          ),
        ),
      ),
    ),
    result.rows_omitted > 0 ? h('p', { class: 'lead' }, `and ${result.rows_omitted} more rows`) : null,
  )
}
