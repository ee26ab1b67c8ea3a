import './styles.css'
import { formatCsv } from '../domain/csv.js'
import { formatDate, formatMoney, h } from './dom.js'
import {
  type ImportPreview,
  type InventoryClient,
  InventoryRequestError,
  type Item,
  type ItemQuery,
  type Overview,
} from './inventory-client.js'
import { type OpenedInventory, openInventory } from './open-inventory.js'

const app = document.querySelector<HTMLDivElement>('#app') as HTMLDivElement
const query: ItemQuery = {}
let client: InventoryClient
let listRequest = 0

const elements = {
  mode: h('span', { class: 'mode', 'data-testid': 'mode' }),
  stats: h('dl', { class: 'stats' }),
  search: h('input', { type: 'search', placeholder: 'Search name or SKU', 'aria-label': 'Search', name: 'q' }),
  category: h('select', { 'aria-label': 'Category', name: 'category' }),
  location: h('select', { 'aria-label': 'Location', name: 'location' }),
  lowStock: h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false' }, 'Low stock only'),
  status: h('div', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  body: h('tbody'),
  movements: h('ol', { class: 'timeline' }),
  toast: h('div', { class: 'toast', role: 'status', 'aria-live': 'polite' }),
}

start()

async function start(): Promise<void> {
  let opened: OpenedInventory
  try {
    opened = await openInventory()
  } catch (error) {
    app.replaceChildren(
      h(
        'div',
        { class: 'fatal' },
        h('h1', {}, 'The inventory could not start'),
        h('p', {}, describe(error)),
        h('button', { onclick: () => location.reload() }, 'Try again'),
      ),
    )
    return
  }
  client = opened.client
  elements.mode.textContent = client.description
  renderLayout()
  opened.onRemoteChange?.(() => refresh())
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/service-worker.js').catch(() => undefined)
  await refresh()
}

function renderLayout(): void {
  let searchTimer: ReturnType<typeof setTimeout> | undefined
  elements.search.addEventListener('input', () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(() => {
      query.q = elements.search.value.trim() || undefined
      refresh()
    }, 200)
  })
  elements.category.addEventListener('change', () => {
    query.category = elements.category.value || undefined
    refresh()
  })
  elements.location.addEventListener('change', () => {
    query.location = elements.location.value || undefined
    refresh()
  })
  elements.lowStock.addEventListener('click', () => {
    query.low_stock = query.low_stock ? undefined : 'true'
    elements.lowStock.setAttribute('aria-pressed', String(Boolean(query.low_stock)))
    refresh()
  })

  app.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('h1', {}, 'Inventory'), elements.mode),
      elements.stats,
    ),
    h(
      'main',
      {},
      h(
        'section',
        { class: 'panel' },
        h(
          'div',
          { class: 'toolbar' },
          elements.search,
          elements.category,
          elements.location,
          elements.lowStock,
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', onclick: () => downloadExport() }, 'Export CSV'),
          h('button', { type: 'button', onclick: () => openImportDialog() }, 'Import CSV'),
          h('button', { type: 'button', class: 'primary', onclick: () => openItemDialog() }, 'Add item'),
        ),
        elements.status,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'items' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'SKU'),
                h('th', { scope: 'col' }, 'Name'),
                h('th', { scope: 'col', class: 'wide' }, 'Category'),
                h('th', { scope: 'col', class: 'wide' }, 'Location'),
                h('th', { scope: 'col', class: 'num' }, 'In stock'),
                h('th', { scope: 'col', class: 'num wide' }, 'Reorder at'),
                h('th', { scope: 'col', class: 'num wide' }, 'Unit cost'),
                h('th', { scope: 'col' }),
              ),
            ),
            elements.body,
          ),
        ),
      ),
      h('section', { class: 'panel history' }, h('h2', {}, 'Recent movements'), elements.movements),
    ),
    elements.toast,
  )
}

/** Reloads the list, the totals and the history; an older answer arriving late is ignored. */
async function refresh(): Promise<void> {
  const request = ++listRequest
  elements.status.replaceChildren(h('span', { class: 'loading' }, 'Loading…'))
  try {
    const [{ items, overview }, movements] = await Promise.all([client.listItems(query), client.listMovements(12)])
    if (request !== listRequest) return
    elements.status.replaceChildren()
    renderStats(overview)
    renderFilters(overview)
    renderItems(items)
    elements.movements.replaceChildren(
      ...(movements.length === 0
        ? [h('li', { class: 'empty' }, 'No movements yet.')]
        : movements.map((movement) => renderMovement(movement, true))),
    )
  } catch (error) {
    if (request !== listRequest) return
    elements.status.replaceChildren(
      h(
        'div',
        { class: 'error-banner', role: 'alert' },
        describe(error),
        ' ',
        h('button', { type: 'button', onclick: () => refresh() }, 'Retry'),
      ),
    )
  }
}

function renderStats(overview: Overview): void {
  const stat = (label: string, value: string, tone?: string) =>
    h('div', { class: tone ? `stat ${tone}` : 'stat' }, h('dt', {}, label), h('dd', {}, value))
  elements.stats.replaceChildren(
    stat('Items', String(overview.item_count)),
    stat('Units', String(overview.unit_count)),
    stat('Low stock', String(overview.low_stock_count), overview.low_stock_count > 0 ? 'warn' : undefined),
    stat('Stock value', formatMoney(overview.stock_value)),
  )
}

function renderFilters(overview: Overview): void {
  const options = (select: HTMLSelectElement, all: string, values: string[], chosen: string | undefined) => {
    select.replaceChildren(
      h('option', { value: '' }, all),
      ...values.map((value) => h('option', { value, selected: value === chosen }, value)),
    )
  }
  options(elements.category, 'All categories', overview.categories, query.category)
  options(elements.location, 'All locations', overview.locations, query.location)
}

function renderItems(items: Item[]): void {
  if (items.length === 0) {
    const filtered = Object.values(query).some(Boolean)
    elements.body.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 8, class: 'empty' },
          filtered ? 'No item matches these filters.' : 'No items yet. Add one, or import a CSV file.',
        ),
      ),
    )
    return
  }
  elements.body.replaceChildren(
    ...items.map((item) => {
      const low = item.quantity <= item.reorder_level
      return h(
        'tr',
        { 'data-sku': item.sku, class: low ? 'low' : null },
        h('td', { class: 'sku' }, item.sku),
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => openDetails(item.id) }, item.name)),
        h('td', { class: 'wide' }, item.category),
        h('td', { class: 'wide' }, item.location),
        h('td', { class: 'num quantity' }, String(item.quantity), low ? h('span', { class: 'badge' }, 'low') : null),
        h('td', { class: 'num wide' }, String(item.reorder_level)),
        h('td', { class: 'num wide' }, formatMoney(item.unit_cost)),
        h(
          'td',
          { class: 'actions' },
          h('button', { type: 'button', onclick: () => openAdjustDialog(item) }, 'Adjust'),
          h('button', { type: 'button', onclick: () => openItemDialog(item) }, 'Edit'),
        ),
      )
    }),
  )
}

function renderMovement(
  movement: { delta: number; reason: string; quantity_after: number; created_at: string; sku?: string; name?: string },
  withItem: boolean,
) {
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

/** A modal built from a form; resolves once it closes. */
function openDialog(title: string, content: HTMLElement[], testId: string): HTMLDialogElement {
  const dialog = h(
    'dialog',
    { 'data-testid': testId, 'aria-label': title },
    h(
      'header',
      {},
      h('h2', {}, title),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dialog.close() }, '×'),
    ),
    ...content,
  )
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  return dialog
}

interface FieldSpec {
  name: string
  label: string
  type?: string
  value?: string | number
  required?: boolean
  step?: string
  min?: string
  list?: string[]
}

function field(spec: FieldSpec): HTMLElement {
  const listId = spec.list ? `${spec.name}-options` : null
  return h(
    'label',
    { class: 'field', 'data-field': spec.name },
    h('span', {}, spec.label),
    h('input', {
      name: spec.name,
      type: spec.type ?? 'text',
      value: spec.value ?? '',
      required: spec.required,
      step: spec.step,
      min: spec.min,
      list: listId,
      autocomplete: 'off',
    }),
    spec.list
      ? h(
          'datalist',
          { id: listId },
          spec.list.map((value) => h('option', { value })),
        )
      : null,
    h('small', { class: 'field-error', role: 'alert' }),
  )
}

/** Shows each field's error next to it; an error with no field goes to the form's message line. */
function showErrors(form: HTMLFormElement, error: unknown): void {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = ''
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid')
  const message = form.querySelector('.form-error') as HTMLElement
  message.textContent = ''
  const fields = error instanceof InventoryRequestError ? error.fields : {}
  let placed = false
  for (const [name, text] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-field="${name}"] .field-error`)
    if (!slot) continue
    slot.textContent = text
    form.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true')
    placed = true
  }
  if (!placed) message.textContent = describe(error)
  ;(form.querySelector('[aria-invalid]') as HTMLElement | null)?.focus()
}

function numberOrText(value: FormDataEntryValue | null): unknown {
  const text = String(value ?? '').trim()
  return text === '' ? undefined : Number.isNaN(Number(text)) ? text : Number(text)
}

async function submitting(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const button = form.querySelector('button[type="submit"]') as HTMLButtonElement
  button.disabled = true
  form.setAttribute('aria-busy', 'true')
  try {
    await work()
  } catch (error) {
    showErrors(form, error)
  } finally {
    button.disabled = false
    form.removeAttribute('aria-busy')
  }
}

async function openItemDialog(item?: Item): Promise<void> {
  const overview = await client
    .listItems({})
    .then((result) => result.overview)
    .catch(() => null)
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
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'buttons' },
      item ? h('button', { type: 'button', class: 'danger', onclick: () => removeItem(item, dialog) }, 'Delete') : null,
      h('span', { class: 'spacer' }),
      h('button', { type: 'submit', class: 'primary' }, item ? 'Save changes' : 'Add item'),
    ),
  )
  const dialog = openDialog(item ? `Edit ${item.sku}` : 'Add an item', [form], 'item-dialog')
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
      const saved = item ? await client.updateItem(item.id, input) : await client.createItem(input)
      dialog.close()
      notify(item ? `Saved ${saved.sku}` : `Added ${saved.sku}`)
      await refresh()
    })
  })
}

async function removeItem(item: Item, dialog: HTMLDialogElement): Promise<void> {
  if (!confirm(`Delete ${item.sku} (${item.name}) and its history?`)) return
  try {
    await client.deleteItem(item.id)
    dialog.close()
    notify(`Deleted ${item.sku}`)
    await refresh()
  } catch (error) {
    notify(describe(error))
  }
}

function openAdjustDialog(item: Item): void {
  const reasons = ['delivery', 'sale', 'return', 'damaged', 'stock count']
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('p', { class: 'lead' }, `${item.name}: `, h('strong', {}, `${item.quantity} in stock`)),
    h(
      'div',
      { class: 'grid' },
      field({ name: 'delta', label: 'Change (+ in, − out)', type: 'number', step: '1', required: true }),
      field({ name: 'reason', label: 'Reason', required: true, list: reasons }),
    ),
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'buttons' },
      h('span', { class: 'spacer' }),
      h('button', { type: 'submit', class: 'primary' }, 'Record movement'),
    ),
  )
  const dialog = openDialog(`Adjust ${item.sku}`, [form], 'adjust-dialog')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    submitting(form, async () => {
      const { item: updated } = await client.adjustStock(item.id, {
        delta: numberOrText(data.get('delta')) ?? 0,
        reason: String(data.get('reason') ?? ''),
      })
      dialog.close()
      notify(`${updated.sku}: ${updated.quantity} in stock`)
      await refresh()
    })
  })
}

async function openDetails(id: number): Promise<void> {
  const list = h('ol', { class: 'timeline' }, h('li', { class: 'loading' }, 'Loading…'))
  const facts = h('dl', { class: 'facts' })
  const dialog = openDialog('Item', [facts, h('h3', {}, 'Movement history'), list], 'details-dialog')
  try {
    const { item, movements } = await client.getItem(id)
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
    list.replaceChildren(
      ...(movements.length
        ? movements.map((movement) => renderMovement(movement, false))
        : [h('li', { class: 'empty' }, 'No movements yet.')]),
    )
  } catch (error) {
    list.replaceChildren(h('li', { class: 'error-banner', role: 'alert' }, describe(error)))
  }
}

function openImportDialog(): void {
  const textarea = h('textarea', {
    name: 'csv',
    rows: 8,
    placeholder: formatCsv(
      ['sku', 'name', 'quantity', 'location', 'category', 'reorder_level', 'unit_cost'],
      [['HAM-002', 'Ball-peen hammer', 4, 'Aisle 1', 'Hand tools', 2, 11.5]],
    ),
  })
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': 'CSV file' })
  const preview = h('div', { class: 'preview' })
  const applyButton = h('button', { type: 'button', class: 'primary', disabled: true }, 'Import')
  const message = h('p', { class: 'form-error', role: 'alert' })
  let previewed = ''

  file.addEventListener('change', async () => {
    const chosen = file.files?.[0]
    if (!chosen) return
    textarea.value = await chosen.text()
    showPreview()
  })
  const showPreview = async () => {
    message.textContent = ''
    applyButton.disabled = true
    preview.replaceChildren(h('p', { class: 'loading' }, 'Checking…'))
    try {
      const csv = textarea.value
      const result = await client.previewImport(csv)
      previewed = csv
      preview.replaceChildren(renderPreview(result))
      applyButton.disabled = result.error_count > 0 || result.rows.length === 0
    } catch (error) {
      preview.replaceChildren()
      message.textContent = describe(error)
    }
  }
  applyButton.addEventListener('click', async () => {
    applyButton.disabled = true
    try {
      const { created, updated } = await client.applyImport(previewed)
      dialog.close()
      notify(`Imported: ${created} created, ${updated} updated`)
      await refresh()
    } catch (error) {
      message.textContent = describe(error)
    }
  })
  const dialog = openDialog(
    'Import CSV',
    [
      h(
        'div',
        { class: 'form' },
        h(
          'p',
          { class: 'lead' },
          'Columns: sku, name, quantity, location, category, reorder_level, unit_cost. Known SKUs are updated, new ones created; a file with any invalid row imports nothing.',
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
            h(
              'td',
              {},
              Object.entries(row.errors)
                .map(([name, text]) => `${name}: ${text}`)
                .join('; '),
            ),
          ),
        ),
      ),
    ),
  )
}

async function downloadExport(): Promise<void> {
  try {
    const csv = await client.exportCsv()
    const link = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: 'inventory.csv' })
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
  } catch (error) {
    notify(describe(error))
  }
}

let toastTimer: ReturnType<typeof setTimeout> | undefined
function notify(text: string): void {
  elements.toast.textContent = text
  elements.toast.classList.add('visible')
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => elements.toast.classList.remove('visible'), 3500)
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
