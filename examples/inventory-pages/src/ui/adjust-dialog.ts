import { h } from './dom.js'
import { field, formError, numberOrText, submitting } from './form-fields.js'
import type { Item } from './inventory-client.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'

const REASONS = ['delivery', 'sale', 'return', 'damaged', 'stock count']

/** The form to record stock in or out of `item`, with a reason. */
export function openAdjustDialog(context: PageContext, item: Item): void {
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('p', { class: 'lead' }, `${item.name}: `, h('strong', {}, `${item.quantity} in stock`)),
    h(
      'div',
      { class: 'grid' },
      field({ name: 'delta', label: 'Change (+ in, − out)', type: 'number', step: '1', required: true }),
      field({ name: 'reason', label: 'Reason', required: true, list: REASONS }),
    ),
    formError(),
    h(
      'div',
      { class: 'buttons' },
      h('span', { class: 'spacer' }),
      h('button', { type: 'submit', class: 'primary' }, 'Record movement'),
    ),
  )
  const dialog = openModal(`Adjust ${item.sku}`, [form], 'adjust-dialog')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    submitting(form, async () => {
      const { item: updated } = await context.client.adjustStock(item.id, {
        delta: numberOrText(data.get('delta')) ?? 0,
        reason: String(data.get('reason') ?? ''),
      })
      dialog.close()
      context.notify(`${updated.sku}: ${updated.quantity} in stock`)
      await context.refresh()
    })
  })
}
