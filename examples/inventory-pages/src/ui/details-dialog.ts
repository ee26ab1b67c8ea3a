import { describeError } from './describe-error.js'
import { formatDate, formatMoney, h } from './dom.js'
import { openModal } from './modal-dialog.js'
import type { PageContext } from './page-context.js'
import { renderTimeline } from './render-movement.js'

/** An item's facts and its whole movement history, loaded as the dialog opens. */
export async function openDetailsDialog(context: PageContext, id: number): Promise<void> {
  const list = h('ol', { class: 'timeline' }, h('li', { class: 'loading' }, 'Loading…'))
  const facts = h('dl', { class: 'facts' })
  const dialog = openModal('Item', [facts, h('h3', {}, 'Movement history'), list], 'details-dialog')
  try {
    const { item, movements } = await context.client.getItem(id)
    ;(dialog.querySelector('h2') as HTMLElement).textContent = `${item.sku} · ${item.name}`
    const fact = (label: string, value: string) => [h('dt', {}, label), h('dd', {}, value)]
    facts.replaceChildren(
      ...fact('In stock', String(item.quantity)),
      ...fact('Reorder at', String(item.reorder_level)),
      ...fact('Category', item.category || '—'),
      ...fact('Location', item.location || '—'),
      ...fact('Unit cost', formatMoney(item.unit_cost)),
      ...fact('Updated', formatDate(item.updated_at)),
    )
    list.replaceChildren(...renderTimeline(movements, false))
  } catch (error) {
    list.replaceChildren(h('li', { class: 'error-banner', role: 'alert' }, describeError(error)))
  }
}
