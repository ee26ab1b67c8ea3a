import { describeError } from './describe-error.js'
import { h } from './dom.js'
import { field, formError, numberOrText, submitting } from './form-fields.js'
import type { Item } from './inventory-client.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'

/**
 * The form to add an item, or to edit or delete `item`. Category and location suggest the
 * values the list last showed.
 */
export function openItemDialog(context: PageContext, item?: Item): void {
  const overview = context.overview()
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h(
      'div',
      { class: 'grid' },
      field({ name: 'sku', label: 'SKU', value: item?.sku, required: true }),
      field({ name: 'name', label: 'Name', value: item?.name, required: true }),
      item ? null : field({ name: 'quantity', label: 'Opening stock', type: 'number', value: 0, min: '0', step: '1' }),
      field({ name: 'category', label: 'Category', value: item?.category, list: overview?.categories ?? [] }),
      field({ name: 'location', label: 'Location', value: item?.location, list: overview?.locations ?? [] }),
      field({
        name: 'reorder_level',
        label: 'Reorder at',
        type: 'number',
        value: item?.reorder_level ?? 0,
        min: '0',
        step: '1',
      }),
      field({
        name: 'unit_cost',
        label: 'Unit cost',
        type: 'number',
        value: item?.unit_cost ?? 0,
        min: '0',
        step: '0.01',
      }),
    ),
    formError(),
    h(
      'div',
      { class: 'buttons' },
      item
        ? h('button', { type: 'button', class: 'danger', onclick: () => removeItem(context, item, dialog) }, 'Delete')
        : null,
      h('span', { class: 'spacer' }),
      h('button', { type: 'submit', class: 'primary' }, item ? 'Save changes' : 'Add item'),
    ),
  )
  const dialog = openModal(item ? `Edit ${item.sku}` : 'Add an item', [form], 'item-dialog')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const input: Record<string, unknown> = {
      sku: String(data.get('sku') ?? ''),
      name: String(data.get('name') ?? ''),
      category: String(data.get('category') ?? ''),
      location: String(data.get('location') ?? ''),
      reorder_level: numberOrText(data.get('reorder_level')) ?? 0,
      unit_cost: numberOrText(data.get('unit_cost')) ?? 0,
    }
    if (!item) input.quantity = numberOrText(data.get('quantity')) ?? 0
    submitting(form, async () => {
      const saved = item ? await context.client.updateItem(item.id, input) : await context.client.createItem(input)
      dialog.close()
      context.notify(item ? `Saved ${saved.sku}` : `Added ${saved.sku}`)
      await context.refresh()
    })
  })
}

async function removeItem(context: PageContext, item: Item, dialog: HTMLDialogElement): Promise<void> {
  if (!confirm(`Delete ${item.sku} (${item.name}) and its history?`)) return
  try {
    await context.client.deleteItem(item.id)
    dialog.close()
    context.notify(`Deleted ${item.sku}`)
    await context.refresh()
  } catch (error) {
    context.notify(describeError(error))
  }
}
