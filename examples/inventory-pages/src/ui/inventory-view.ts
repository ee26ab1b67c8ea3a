import { describeError } from './describe-error.js'
import { formatMoney, h } from './dom.js'
import type { InventoryClient, Item, ItemQuery, MovementWithItem, Overview } from './inventory-client.js'
import type { LiveInventory, Stop } from './live-inventory.js'
import { renderTimeline } from './render-movement.js'
import type { Shell } from './shell.js'

/** What the list's rows offer; the page opens the matching dialog. */
export interface ItemActions {
  adjust(item: Item): void
  edit(item: Item): void
  showDetails(id: number): void
}

const SEARCH_DELAY_MS = 200
const RECENT_MOVEMENTS = 12

/**
 * The main view: totals, filters, the item list and the recent movements. It owns the current
 * filters and the last overview the server sent, which the dialogs reuse. Given live queries (the
 * browser-only build), it shows what they emit instead of reloading.
 */
export class InventoryView {
  readonly #shell: Shell
  readonly #client: InventoryClient
  readonly #actions: ItemActions
  readonly #query: ItemQuery = {}
  readonly #live: LiveInventory | undefined
  #overview: Overview | null = null
  #latestRequest = 0
  /** The live subscriptions: the totals and movements, and the list for the filters in `#watchedQuery`. */
  #stopTotals: Stop | undefined
  #stopItems: Stop | undefined
  #watchedQuery: string | undefined

  constructor(shell: Shell, client: InventoryClient, actions: ItemActions, live?: LiveInventory) {
    this.#shell = shell
    this.#client = client
    this.#actions = actions
    this.#live = live
    this.#listenToFilters()
  }

  /** The totals and filter values shown last, or `null` before the first load. */
  get overview(): Overview | null {
    return this.#overview
  }

  /**
   * Reloads the list, the totals and the history; an older answer arriving late is ignored. With
   * live queries, subscribes to them (again for the list when the filters changed): they show
   * every later change by themselves.
   */
  async refresh(): Promise<void> {
    if (this.#live) return this.#watch(this.#live)
    const request = ++this.#latestRequest
    const { status } = this.#shell
    status.replaceChildren(h('span', { class: 'loading' }, 'Loading…'))
    try {
      const [{ items, overview }, movements] = await Promise.all([
        this.#client.listItems(this.#query),
        this.#client.listMovements(RECENT_MOVEMENTS),
      ])
      if (request !== this.#latestRequest) return
      status.replaceChildren()
      this.#overview = overview
      this.#renderStats(overview)
      this.#renderFilters(overview)
      this.#renderItems(items)
      this.#renderMovements(movements)
    } catch (error) {
      if (request !== this.#latestRequest) return
      this.#showError(error)
    }
  }

  #showError(error: unknown): void {
    this.#shell.status.replaceChildren(
      h(
        'div',
        { class: 'error-banner', role: 'alert' },
        describeError(error),
        ' ',
        h('button', { type: 'button', onclick: () => this.refresh() }, 'Retry'),
      ),
    )
  }

  #watch(live: LiveInventory): void {
    const failed = (error: unknown) => {
      // Retry subscribes anew.
      this.#stopTotals?.()
      this.#stopItems?.()
      this.#stopTotals = this.#stopItems = this.#watchedQuery = undefined
      this.#showError(error)
    }
    if (!this.#stopTotals) {
      const stopOverview = live.overview((overview) => {
        this.#overview = overview
        this.#renderStats(overview)
        this.#renderFilters(overview)
      }, failed)
      const stopMovements = live.movements(RECENT_MOVEMENTS, (movements) => this.#renderMovements(movements), failed)
      this.#stopTotals = () => {
        stopOverview()
        stopMovements()
      }
    }
    const query = JSON.stringify(this.#query)
    if (query === this.#watchedQuery) return
    this.#stopItems?.()
    this.#watchedQuery = query
    this.#shell.status.replaceChildren(h('span', { class: 'loading' }, 'Loading…'))
    const filters = Object.fromEntries(Object.entries(this.#query).filter(([, value]) => value)) as ItemQuery
    this.#stopItems = live.items(
      filters,
      (items) => {
        this.#shell.status.replaceChildren()
        this.#renderItems(items)
      },
      failed,
    )
  }

  #listenToFilters(): void {
    const { search, category, location, lowStock } = this.#shell
    let searchTimer: ReturnType<typeof setTimeout> | undefined
    search.addEventListener('input', () => {
      clearTimeout(searchTimer)
      searchTimer = setTimeout(() => {
        this.#query.q = search.value.trim() || undefined
        this.refresh()
      }, SEARCH_DELAY_MS)
    })
    category.addEventListener('change', () => {
      this.#query.category = category.value || undefined
      this.refresh()
    })
    location.addEventListener('change', () => {
      this.#query.location = location.value || undefined
      this.refresh()
    })
    lowStock.addEventListener('click', () => {
      this.#query.low_stock = this.#query.low_stock ? undefined : 'true'
      lowStock.setAttribute('aria-pressed', String(Boolean(this.#query.low_stock)))
      this.refresh()
    })
  }

  #renderStats(overview: Overview): void {
    const stat = (label: string, value: string, tone?: string) =>
      h('div', { class: tone ? `stat ${tone}` : 'stat' }, h('dt', {}, label), h('dd', {}, value))
    this.#shell.stats.replaceChildren(
      stat('Items', String(overview.item_count)),
      stat('Units', String(overview.unit_count)),
      stat('Low stock', String(overview.low_stock_count), overview.low_stock_count > 0 ? 'warn' : undefined),
      stat('Stock value', formatMoney(overview.stock_value)),
    )
  }

  #renderFilters(overview: Overview): void {
    const options = (select: HTMLSelectElement, all: string, values: string[], chosen: string | undefined) => {
      select.replaceChildren(
        h('option', { value: '' }, all),
        ...values.map((value) => h('option', { value, selected: value === chosen }, value)),
      )
    }
    options(this.#shell.category, 'All categories', overview.categories, this.#query.category)
    options(this.#shell.location, 'All locations', overview.locations, this.#query.location)
  }

  #renderItems(items: Item[]): void {
    if (items.length === 0) {
      const filtered = Object.values(this.#query).some(Boolean)
      const text = filtered ? 'No item matches these filters.' : 'No items yet. Add one, or import a CSV file.'
      this.#shell.items.replaceChildren(h('tr', {}, h('td', { colspan: 8, class: 'empty' }, text)))
      return
    }
    this.#shell.items.replaceChildren(...items.map((item) => this.#renderItem(item)))
  }

  #renderItem(item: Item): HTMLTableRowElement {
    const low = item.quantity <= item.reorder_level
    const actions = this.#actions
    return h(
      'tr',
      { 'data-sku': item.sku, class: low ? 'low' : null },
      h('td', { class: 'sku' }, item.sku),
      h(
        'td',
        {},
        h('button', { type: 'button', class: 'link', onclick: () => actions.showDetails(item.id) }, item.name),
      ),
      h('td', { class: 'wide' }, item.category),
      h('td', { class: 'wide' }, item.location),
      h('td', { class: 'num quantity' }, String(item.quantity), low ? h('span', { class: 'badge' }, 'low') : null),
      h('td', { class: 'num wide' }, String(item.reorder_level)),
      h('td', { class: 'num wide' }, formatMoney(item.unit_cost)),
      h(
        'td',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => actions.adjust(item) }, 'Adjust'),
        h('button', { type: 'button', onclick: () => actions.edit(item) }, 'Edit'),
      ),
    )
  }

  #renderMovements(movements: readonly MovementWithItem[]): void {
    this.#shell.movements.replaceChildren(...renderTimeline(movements, true))
  }
}
