/** The page's fixed parts, written in `index.html`; the views fill them in. */
export interface Shell {
  /** Shown until the inventory opens. */
  readonly boot: HTMLElement
  /** Shown instead of the inventory when it cannot open. */
  readonly fatal: HTMLElement
  readonly fatalMessage: HTMLElement
  readonly fatalRetry: HTMLButtonElement
  /** The inventory itself: header, list and history. */
  readonly app: HTMLElement
  readonly mode: HTMLElement
  /** The offline-first build's sync state and pending changes; a click syncs now. */
  readonly syncState: HTMLButtonElement
  readonly stats: HTMLElement
  readonly search: HTMLInputElement
  readonly category: HTMLSelectElement
  readonly location: HTMLSelectElement
  readonly lowStock: HTMLButtonElement
  readonly exportCsv: HTMLButtonElement
  readonly importCsv: HTMLButtonElement
  readonly downloadBackup: HTMLButtonElement
  readonly restoreBackup: HTMLButtonElement
  /** The browser-only build's "Copy to a server". */
  readonly copyToServer: HTMLButtonElement
  readonly addItem: HTMLButtonElement
  readonly status: HTMLElement
  readonly items: HTMLTableSectionElement
  readonly movements: HTMLOListElement
  readonly toast: HTMLElement
}

/** Finds the shell's elements by id; a missing one means `index.html` and the code disagree. */
export function findShell(document: Document): Shell {
  const find = <T extends HTMLElement>(id: string, type: new () => T): T => {
    const element = document.getElementById(id)
    if (!(element instanceof type)) throw new Error(`index.html has no ${type.name} with id "${id}"`)
    return element
  }
  return {
    boot: find('boot', HTMLElement),
    fatal: find('fatal', HTMLElement),
    fatalMessage: find('fatal-message', HTMLElement),
    fatalRetry: find('fatal-retry', HTMLButtonElement),
    app: find('app', HTMLElement),
    mode: find('mode', HTMLElement),
    syncState: find('sync-state', HTMLButtonElement),
    stats: find('stats', HTMLElement),
    search: find('search', HTMLInputElement),
    category: find('category', HTMLSelectElement),
    location: find('location', HTMLSelectElement),
    lowStock: find('low-stock', HTMLButtonElement),
    exportCsv: find('export-csv', HTMLButtonElement),
    importCsv: find('import-csv', HTMLButtonElement),
    downloadBackup: find('download-backup', HTMLButtonElement),
    restoreBackup: find('restore-backup', HTMLButtonElement),
    copyToServer: find('copy-to-server', HTMLButtonElement),
    addItem: find('add-item', HTMLButtonElement),
    status: find('status', HTMLElement),
    items: find('items', HTMLTableSectionElement),
    movements: find('movements', HTMLOListElement),
    toast: find('toast', HTMLElement),
  }
}
