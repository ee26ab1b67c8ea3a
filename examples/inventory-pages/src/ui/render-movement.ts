import { formatDate, h } from './dom.js'

/** What a timeline entry shows of a movement; `sku` where the list spans several items. */
export interface MovementEntry {
  readonly delta: number
  readonly reason: string
  readonly quantity_after: number
  readonly created_at: string
  readonly sku?: string
}

/** One entry of a movement timeline; `withItem` names the item, for lists spanning several. */
export function renderMovement(movement: MovementEntry, withItem: boolean): HTMLLIElement {
  return h(
    'li',
    {},
    h(
      'span',
      { class: movement.delta > 0 ? 'delta in' : 'delta out' },
      movement.delta > 0 ? `+${movement.delta}` : String(movement.delta),
    ),
    h(
      'span',
      { class: 'what' },
      withItem ? h('strong', {}, movement.sku ?? '') : null,
      withItem ? ' ' : null,
      movement.reason,
      h('small', {}, ` → ${movement.quantity_after} · ${formatDate(movement.created_at)}`),
    ),
  )
}

/** The entries of a timeline, or a line saying there are none. */
export function renderTimeline(movements: readonly MovementEntry[], withItem: boolean): HTMLLIElement[] {
  return movements.length === 0
    ? [h('li', { class: 'empty' }, 'No movements yet.')]
    : movements.map((movement) => renderMovement(movement, withItem))
}
