// What the guides' examples take as given: the reader's schema, migrations and bindings.
import type { Generated, Migration } from 'kysely'

declare global {
  interface Database {
    items: { id: Generated<number>; sku: string; name: string; quantity: number }
    movements: { id: Generated<number>; item_id: number; delta: number }
  }
  const migrations: Record<string, Migration>
  const storage: import('@inventory/storage').StorageProvider<Database>
  function writeFile(path: string, data: string): Promise<void>
  type D1Database = import('@inventory/storage/d1').D1Database
  /** Cloudflare's type of a Pages Function, reduced to what the guides use. */
  type PagesFunction<Env> = (context: { request: Request; env: Env }) => Promise<Response>
  const env: { DB: D1Database }
  const id: number
  const token: string
  /** The mutators of the sync guide. */
  const mutators: {
    sell(db: import('kysely').Kysely<Database>, args: { itemId: number; count: number }): Promise<void>
  }
  function render(status: import('@inventory/storage/sync').SyncStatus): void
  function toast(message: string): void
  const tenThousandRows: { sku: string; name: string; quantity: number }[]
}
