import { D1_BOOKMARK_HEADER, laterBookmark } from '../api/d1-bookmark-header.js'
import type { Overview } from '../domain/inventory.js'
import type { ImportPreview } from '../domain/inventory-csv.js'
import type { Item, Movement, MovementWithItem } from '../domain/schema.js'

export type { ImportPreview, Item, MovementWithItem, Overview }

/** What the list shows: search text and filters, as the API takes them. */
export interface ItemQuery {
  q?: string
  category?: string
  location?: string
  low_stock?: 'true'
}

/** Everything the UI does with the inventory, wherever the data lives. */
export interface InventoryClient {
  /** Where the data is kept, in words for the header. */
  readonly description: string
  listItems(query: ItemQuery): Promise<{ items: Item[]; overview: Overview }>
  getItem(id: number): Promise<{ item: Item; movements: MovementWithItem[] }>
  createItem(input: Record<string, unknown>): Promise<Item>
  updateItem(id: number, input: Record<string, unknown>): Promise<Item>
  deleteItem(id: number): Promise<void>
  /** With `request_id`, sending the same adjustment again records it once. */
  adjustStock(
    id: number,
    input: { delta: unknown; reason: unknown; request_id?: string },
  ): Promise<{ item: Item; movement: Movement }>
  listMovements(limit: number): Promise<MovementWithItem[]>
  exportCsv(): Promise<string>
  previewImport(csv: string): Promise<ImportPreview>
  applyImport(csv: string): Promise<{ created: number; updated: number }>
  /** The whole database as a SQLite file, and the name to save it under. */
  downloadBackup(): Promise<{ file: Blob; filename: string }>
  /** Replaces the whole database with a backup file; a file that is not one is refused and nothing changes. */
  restoreBackup(file: Blob): Promise<{ items: number; movements: number }>
}

/** The media type of a backup: a SQLite database file. */
const SQLITE_TYPE = 'application/vnd.sqlite3'

/** A refused request: the message, and per field what is wrong. */
export class InventoryRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
    readonly rows: readonly { line: number; fields: Readonly<Record<string, string>> }[] = [],
  ) {
    super(message)
    this.name = 'InventoryRequestError'
  }
}

/**
 * Reads the API's answer, turning an error body into an {@link InventoryRequestError}. A success
 * must have the type the API gives that route (JSON, or `text/csv` for the export): a 200 page of
 * a Wi-Fi login or a misrouted proxy is not the API's, and taking it for one would report a
 * change as done that never reached the server.
 *
 * @param expected - the media type of this route's successful answer
 */
export async function readApiResponse<T>(response: Response, expected = 'application/json'): Promise<T> {
  if (response.status === 204) return undefined as T
  const type = response.headers.get('content-type') ?? ''
  if (!type.startsWith('application/json')) {
    if (!response.ok)
      throw new InventoryRequestError(response.status, `the server answered ${describeStatus(response)}`)
    if (type.startsWith(expected))
      return (expected.startsWith('text/') ? await response.text() : await response.blob()) as T
    throw new InventoryRequestError(
      response.status,
      `the answer came from something that is not the inventory API (${type.split(';')[0] || 'no content type'}), ` +
        'perhaps a Wi-Fi login page or a proxy: check the connection, then reload to see what was saved',
    )
  }
  const body = await response.json()
  if (!response.ok) {
    const error = body?.error ?? {}
    throw new InventoryRequestError(
      response.status,
      error.message ?? `the server answered ${describeStatus(response)}`,
      error.fields,
      error.rows,
    )
  }
  return body as T
}

function describeStatus(response: Response): string {
  return response.statusText ? `${response.status} ${response.statusText}` : String(response.status)
}

/**
 * The inventory over HTTP. `send` is `fetch` against the server; the browser-only mode passes a
 * function that answers the same requests from the API handler running in the page.
 */
export class ApiInventoryClient implements InventoryClient {
  /**
   * The D1 session bookmark of the server's last answer, sent back with every request so reads
   * see this page's own writes even when a D1 read replica answers (servers on D1 only).
   */
  #bookmark: string | null = null

  constructor(
    readonly description: string,
    private readonly send: (request: Request) => Promise<Response>,
    /** The write token, if the server wants one; `renew` asks for a new one after a 401. */
    private readonly token: (renew: boolean) => Promise<string | null> = () => Promise.resolve(null),
  ) {}

  listItems(query: ItemQuery) {
    const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value) as [string, string][])
    return this.call<{ items: Item[]; overview: Overview }>('GET', `/api/items${search.size ? `?${search}` : ''}`)
  }
  getItem(id: number) {
    return this.call<{ item: Item; movements: MovementWithItem[] }>('GET', `/api/items/${id}`)
  }
  async createItem(input: Record<string, unknown>) {
    return (await this.call<{ item: Item }>('POST', '/api/items', input)).item
  }
  async updateItem(id: number, input: Record<string, unknown>) {
    return (await this.call<{ item: Item }>('PATCH', `/api/items/${id}`, input)).item
  }
  deleteItem(id: number) {
    return this.call<void>('DELETE', `/api/items/${id}`)
  }
  adjustStock(id: number, input: { delta: unknown; reason: unknown; request_id?: string }) {
    return this.call<{ item: Item; movement: Movement }>('POST', `/api/items/${id}/adjust`, input)
  }
  async listMovements(limit: number) {
    return (await this.call<{ movements: MovementWithItem[] }>('GET', `/api/movements?limit=${limit}`)).movements
  }
  exportCsv() {
    return this.call<string>('GET', '/api/export', undefined, 'text/csv')
  }
  previewImport(csv: string) {
    return this.call<ImportPreview>('POST', '/api/import/preview', { csv })
  }
  applyImport(csv: string) {
    return this.call<{ created: number; updated: number }>('POST', '/api/import', { csv })
  }

  async downloadBackup() {
    const response = await this.request('GET', '/api/backup')
    const file = await readApiResponse<Blob>(response, SQLITE_TYPE)
    const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1]
    return { file, filename: named ?? 'inventory.sqlite' }
  }
  restoreBackup(file: Blob) {
    return this.call<{ items: number; movements: number }>('POST', '/api/restore', file)
  }

  private async call<T>(method: string, path: string, body?: unknown, expected = 'application/json'): Promise<T> {
    return readApiResponse<T>(await this.request(method, path, body), expected)
  }

  /** Sends a request (a `Blob` body as a SQLite file, any other as JSON), asking for a new token after a 401. */
  private async request(method: string, path: string, body?: unknown, renewToken = false): Promise<Response> {
    const headers = new Headers({ accept: 'application/json' })
    const file = body instanceof Blob
    if (body !== undefined) headers.set('content-type', file ? SQLITE_TYPE : 'application/json')
    const write = method !== 'GET'
    const token = write ? await this.token(renewToken) : null
    if (token) headers.set('authorization', `Bearer ${token}`)
    if (this.#bookmark) headers.set(D1_BOOKMARK_HEADER, this.#bookmark)
    const request = new Request(new URL(path, location.origin), {
      method,
      headers,
      ...(body !== undefined && { body: file ? body : JSON.stringify(body) }),
    })
    let response: Response
    try {
      response = await this.send(request)
    } catch {
      throw new InventoryRequestError(0, 'the server cannot be reached; check your connection and try again')
    }
    this.#bookmark = laterBookmark(this.#bookmark, response.headers.get(D1_BOOKMARK_HEADER))
    if (response.status === 401 && write && !renewToken) return this.request(method, path, body, true)
    return response
  }
}
