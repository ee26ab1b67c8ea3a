import { type Kysely, type OnConflictBuilder, sql, type Transaction } from 'kysely'
import { StorageError, UnsupportedOperationError } from '../core/errors.js'
import { browserLockManager, type WebLockManager } from '../browser/tab-coordination.js'
import type { StorageProvider } from '../core/storage-provider.js'
import type { Mutators, MutatorArgs } from './define-mutators.js'
import {
  fromWire,
  isWireValue,
  MAX_MUTATIONS_PER_REQUEST,
  reviveStorageError,
  SYNC_PROTOCOL_VERSION,
  type SyncRequestBody,
  type SyncResponseBody,
  type WireTableChanges,
  type WireValue,
} from './sync-protocol.js'
import {
  decodeCell,
  describeSyncedTables,
  encodedCell,
  parseKey,
  primaryKeyJson,
  quoteString,
  type SyncedTable,
} from './synced-tables.js'
import { quoteIdentifier } from '../core/quote-identifier.js'
import { schemaVersion } from './schema-version.js'

/** Where a sync client stands. */
export interface SyncStatus {
  /** `idle`: nothing under way; `syncing`: a request is; `offline`: the server could not be reached; `error`: it answered with an error. */
  readonly state: 'idle' | 'syncing' | 'offline' | 'error'
  /** Mutations made here that the server has not finished yet. */
  readonly pending: number
  /** When the last sync completed, or `null`. */
  readonly lastSyncedAt: Date | null
  /** Why the last sync failed (state `error`). */
  readonly error?: StorageError
}

/** A mutation the server refused: its optimistic effect is gone after the sync that reports it. */
export interface RejectedMutation {
  /** The mutation's id in this client's outbox. */
  readonly id: number
  /** The mutator's name. */
  readonly name: string
  /** The arguments it was called with, as they travelled (JSON); `undefined` if this client no longer has them. */
  readonly args: unknown
  /** The server's error, typed as a local one would be (`CheckConstraintError`, ...). */
  readonly error: StorageError
}

/** Options of {@link createSyncClient}. */
export interface SyncClientOptions<DB, M extends Mutators<DB>> {
  /** The local database (indexeddb, local-storage or sqlite), migrated like the server's. */
  storage: StorageProvider<DB>
  /** The same mutators the server runs. */
  mutators: M
  /** The sync endpoint's URL. */
  endpoint: string | URL
  /** The tables to replicate, parents before children: the same as the server's. */
  tables: readonly (keyof DB & string)[]
  /** Headers for each request, for example `{ authorization: 'Bearer …' }`. */
  headers?: () => HeadersInit | Promise<HeadersInit>
  /** The `fetch` to use; by default the global one. */
  fetch?: (request: Request) => Promise<Response>
  /**
   * Where tabs agree that one syncs at a time: `navigator.locks` by default. Without one, syncs of
   * this client object are still serialised.
   */
  locks?: WebLockManager
}

/** The client end of sync. */
export interface SyncClient<M> {
  /** Each mutator, applied locally at once and queued for the server: `await client.mutate.sell(args)`. */
  readonly mutate: { readonly [K in keyof M]: (args: MutatorArgs<M[K]>) => Promise<void> }
  /** Pushes pending mutations and pulls the server's changes, once. */
  sync(): Promise<SyncStatus>
  /** Syncs now, every `intervalMs` (default 30 s), when the browser comes online, and after each mutation. */
  start(options?: { intervalMs?: number }): void
  /** Stops what `start` started; a sync under way finishes. */
  stop(): void
  /** The current status. */
  readonly status: SyncStatus
  /** Calls `listener` on every status change; returns a function that removes it. */
  onStatus(listener: (status: SyncStatus) => void): () => void
  /** Calls `listener` for each mutation the server refused; returns a function that removes it. */
  onRejected(listener: (rejected: RejectedMutation) => void): () => void
}

const OUTBOX = '_sync_outbox'
const STATE = '_sync_state'
const UNDO = '_sync_undo'
const CAPTURE = '_sync_capture'
/** Mutations sent in one request at most; more are sent by the next round. */
const PUSH_LIMIT = MAX_MUTATIONS_PER_REQUEST
/**
 * Bytes of mutation arguments sent in one request at most (half a server's default 8 MiB limit,
 * leaving room for the rest of the body); more are sent by the next round. The first pending
 * mutation is always sent, whatever its size.
 */
const PUSH_BYTES = 4 * 1024 * 1024

/**
 * The client end of sync: an offline-first replica of the server's synced tables in a local
 * database, changed only through mutators.
 *
 * `client.mutate.<name>(args)` runs the mutator on the local database and appends it to an
 * outbox in the same transaction, so the change shows at once and survives a closed tab. A sync
 * sends the outbox, receives the server's changes since the last sync, and applies them in one
 * local transaction: the optimistic changes are undone (from an undo log the client's triggers
 * keep), the server's rows applied, and the mutations the server has not finished yet run again
 * on top. The application never sees server state without its own pending work, and a mutation
 * the server refused disappears (and is reported through `onRejected`).
 *
 * @template DB - the database schema
 * @template M - the mutators
 */
export function createSyncClient<DB, M extends Mutators<DB>>(options: SyncClientOptions<DB, M>): SyncClient<M> {
  const { storage, mutators } = options
  const adapter = storage.adapter
  if (!storage.capabilities.interactiveTransactions) {
    throw new UnsupportedOperationError(
      'a sync client needs interactive transactions to rebase its pending mutations; use the indexeddb, local-storage or sqlite adapter',
      { adapter },
    )
  }
  const db = storage.db as unknown as Kysely<any>
  const send = options.fetch ?? ((request: Request) => fetch(request))
  const locks = options.locks ?? browserLockManager()
  let status: SyncStatus = { state: 'idle', pending: 0, lastSyncedAt: null }
  const statusListeners = new Set<(status: SyncStatus) => void>()
  const rejectedListeners = new Set<(rejected: RejectedMutation) => void>()
  let ready: Promise<{ synced: SyncedTable[]; clientId: string }> | undefined
  let running: Promise<SyncStatus> | undefined
  let stopTimer: (() => void) | undefined

  const setUp = () => {
    ready ??= setUpReplica(storage, options.tables).catch((error: unknown) => {
      ready = undefined
      throw error
    })
    return ready
  }

  const setStatus = (next: Partial<SyncStatus>) => {
    const { error: _dropped, ...rest } = status
    status = Object.freeze({ ...rest, ...next })
    for (const listener of statusListeners) listener(status)
  }

  const countPending = async () => {
    const row = await db
      .selectFrom(OUTBOX)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    return Number(row.count)
  }

  async function mutateWith(name: string, args: unknown): Promise<void> {
    const mutator = mutators[name] as Mutators<DB>[string]
    const text = JSON.stringify(args ?? null)
    await setUp()
    await storage.transaction(async (trx) => {
      await mutator(trx as unknown as Kysely<DB>, args)
      await (trx as unknown as Kysely<any>).insertInto(OUTBOX).values({ name, args: text }).execute()
    })
    setStatus({ pending: await countPending() })
    if (stopTimer) void client.sync()
  }

  async function syncOnce(): Promise<SyncStatus> {
    const { synced, clientId } = await setUp()
    setStatus({ state: 'syncing' })
    for (;;) {
      const state = await readState(db)
      const next = await db
        .selectFrom(OUTBOX)
        .select(['id', 'name', 'args'])
        .where('id', '>', state.acknowledged)
        .orderBy('id')
        .limit(PUSH_LIMIT)
        .execute()
      const outbox = withinPushBytes(next)
      const body: SyncRequestBody = {
        protocol: SYNC_PROTOCOL_VERSION,
        clientId,
        schema: await schemaVersion(db),
        cursor: state.cursor,
        cursorTag: state.cursorTag,
        acknowledged: state.acknowledged,
        mutations: outbox.map((row) => ({ id: Number(row.id), name: row.name, args: JSON.parse(row.args) })),
      }
      let response: Response
      try {
        const headers = new Headers(await options.headers?.())
        headers.set('content-type', 'application/json')
        response = await send(new Request(options.endpoint, { method: 'POST', headers, body: JSON.stringify(body) }))
      } catch {
        setStatus({ state: 'offline', pending: await countPending() })
        return status
      }
      const answer = await readAnswer(response, adapter)
      if (answer instanceof StorageError) {
        setStatus({ state: 'error', error: answer, pending: await countPending() })
        return status
      }
      if (answer.lastMutationId > (await lastAssignedMutationId(db))) {
        // Another database speaks as this client (a copied profile, a restored backup, someone who
        // learnt the id): trusting the answer would drop mutations the server never received.
        const error = new StorageError(
          'QUERY_FAILED',
          `the server has finished mutation ${answer.lastMutationId} of this client, which made ${await lastAssignedMutationId(db)} at most: another database uses its client id; its pending mutations are kept`,
          { adapter },
        )
        setStatus({ state: 'error', error, pending: await countPending() })
        return status
      }
      const rejected = await applyAnswer(answer, synced, outbox)
      for (const rejection of rejected) for (const listener of rejectedListeners) listener(rejection)
      const more = (outbox.length < next.length || outbox.length === PUSH_LIMIT) && (await countPending()) > 0
      if (!more) {
        setStatus({ state: 'idle', pending: await countPending(), lastSyncedAt: new Date() })
        return status
      }
    }
  }

  /**
   * Applies the server's answer in one transaction: undo the optimistic changes, apply the
   * server's rows, forget the finished mutations, replay the pending ones.
   */
  async function applyAnswer(
    answer: SyncResponseBody,
    synced: readonly SyncedTable[],
    sent: readonly { id: number; name: string; args: string }[],
  ): Promise<RejectedMutation[]> {
    const byName = new Map(synced.map((table) => [table.name, table]))
    const argsById = new Map(sent.map((row) => [Number(row.id), row.args]))
    await storage.transaction(async (trx) => {
      const tx = trx as unknown as Transaction<any>
      await sql`pragma defer_foreign_keys = on`.execute(tx)
      await tx.updateTable(CAPTURE).set({ capture: 0 }).execute()
      await undoOptimisticChanges(tx, byName)
      if (answer.reset) for (const table of [...synced].reverse()) await tx.deleteFrom(table.name).execute()
      for (const changes of answer.changes) {
        const table = byName.get(changes.table)
        if (table) await applyTableChanges(tx, table, changes)
      }
      await tx
        .updateTable(STATE)
        .set({ cursor: answer.cursor, cursor_tag: answer.cursorTag ?? null, acknowledged: answer.lastMutationId })
        .execute()
      await tx.deleteFrom(OUTBOX).where('id', '<=', answer.lastMutationId).execute()
      await tx.updateTable(CAPTURE).set({ capture: 1 }).execute()
      const pending = await tx.selectFrom(OUTBOX).select(['id', 'name', 'args']).orderBy('id').execute()
      for (const mutation of pending) {
        const mutator = Object.hasOwn(mutators, mutation.name) ? mutators[mutation.name] : undefined
        if (!mutator) continue
        await sql`savepoint _sync_replay`.execute(tx)
        try {
          await mutator(tx as unknown as Kysely<DB>, JSON.parse(mutation.args))
        } catch {
          // Refused on today's data: it stays queued, the server decides.
          await sql`rollback to _sync_replay`.execute(tx)
        }
        await sql`release _sync_replay`.execute(tx)
      }
    })
    return answer.rejected.map((rejection) => ({
      id: rejection.id,
      name: rejection.name,
      args: argsById.has(rejection.id) ? JSON.parse(argsById.get(rejection.id) as string) : undefined,
      error: reviveStorageError(rejection.error, adapter),
    }))
  }

  const serialised = (): Promise<SyncStatus> => {
    if (running) return running
    const run = locks
      ? locks.request(`@inventory/storage sync ${options.endpoint}`, { mode: 'exclusive' }, () => syncOnce())
      : syncOnce()
    running = run.finally(() => {
      running = undefined
    })
    return running
  }

  const client: SyncClient<M> = {
    mutate: new Proxy({} as SyncClient<M>['mutate'], {
      get(_target, name) {
        if (typeof name !== 'string' || !Object.hasOwn(mutators, name)) return undefined
        return (args: unknown) => mutateWith(name, args)
      },
    }),
    sync: () =>
      serialised().catch((error: unknown) => {
        const typed =
          error instanceof StorageError
            ? error
            : new StorageError('QUERY_FAILED', error instanceof Error ? error.message : String(error), {
                adapter,
                cause: error,
              })
        setStatus({ state: 'error', error: typed })
        return status
      }),
    start(startOptions = {}) {
      if (stopTimer) return
      const interval = setInterval(() => void client.sync(), startOptions.intervalMs ?? 30_000)
      const online = () => void client.sync()
      globalThis.addEventListener?.('online', online)
      stopTimer = () => {
        clearInterval(interval)
        globalThis.removeEventListener?.('online', online)
        stopTimer = undefined
      }
      void client.sync()
    },
    stop() {
      stopTimer?.()
    },
    get status() {
      return status
    },
    onStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    onRejected(listener) {
      rejectedListeners.add(listener)
      return () => rejectedListeners.delete(listener)
    },
  }
  return client
}

/** The first outbox rows whose arguments fit in {@link PUSH_BYTES} together, and at least one. */
function withinPushBytes<Row extends { args: string }>(rows: readonly Row[]): Row[] {
  const encoder = new TextEncoder()
  let bytes = 0
  let count = 0
  for (const row of rows) {
    bytes += encoder.encode(row.args).byteLength
    if (count > 0 && bytes > PUSH_BYTES) break
    count++
  }
  return rows.slice(0, count)
}

/** Creates the outbox, the state row, the undo log and its triggers (idempotent). */
async function setUpReplica<DB>(
  storage: StorageProvider<DB>,
  names: readonly string[],
): Promise<{ synced: SyncedTable[]; clientId: string }> {
  const db = storage.db as unknown as Kysely<any>
  const synced = await describeSyncedTables(db, names, storage.adapter)
  const statements = [
    `create table if not exists ${OUTBOX} (id integer primary key autoincrement, name text not null, args text not null)`,
    `create table if not exists ${STATE} (id integer primary key check (id = 1), client_id text not null, cursor integer, cursor_tag text, acknowledged integer not null)`,
    `insert or ignore into ${STATE} (id, client_id, cursor, acknowledged) values (1, ${quoteString(newClientId())}, null, 0)`,
    `create table if not exists ${UNDO} (seq integer primary key autoincrement, table_name text not null, op text not null, pk text, row text)`,
    `create table if not exists ${CAPTURE} (id integer primary key check (id = 1), capture integer not null)`,
    `insert or ignore into ${CAPTURE} (id, capture) values (1, 1)`,
    ...synced.flatMap(undoTriggers),
  ]
  await storage.batch(statements.map((text) => ({ compile: () => sql.raw(text).compile(db) })))
  const state = await db.selectFrom(STATE).select('client_id').executeTakeFirstOrThrow()
  return { synced, clientId: state.client_id as string }
}

function newClientId(): string {
  return globalThis.crypto.randomUUID()
}

/** Triggers that log how to undo each local write while capture is on. */
function undoTriggers(table: SyncedTable): string[] {
  const target = quoteIdentifier(table.name)
  const name = quoteString(table.name)
  const when = `when (select capture from ${CAPTURE}) = 1`
  const oldRow = `json_array(${table.columns.map((column) => encodedCell(`old.${quoteIdentifier(column)}`)).join(', ')})`
  const trigger = (kind: string) => quoteIdentifier(`_sync_undo_${table.name}_${kind}`)
  const log = (op: string, pk: string, row: string) =>
    `insert into ${UNDO} (table_name, op, pk, row) values (${name}, '${op}', ${pk}, ${row});`
  return [
    `create trigger if not exists ${trigger('insert')} after insert on ${target} ${when} begin ${log('insert', primaryKeyJson(table, 'new'), 'null')} end`,
    `create trigger if not exists ${trigger('update')} after update on ${target} ${when} begin ${log('update', primaryKeyJson(table, 'new'), oldRow)} end`,
    `create trigger if not exists ${trigger('delete')} after delete on ${target} ${when} begin ${log('delete', 'null', oldRow)} end`,
  ]
}

async function undoOptimisticChanges(tx: Transaction<any>, tables: ReadonlyMap<string, SyncedTable>): Promise<void> {
  const entries = await tx.selectFrom(UNDO).select(['table_name', 'op', 'pk', 'row']).orderBy('seq', 'desc').execute()
  for (const entry of entries) {
    const table = tables.get(entry.table_name) as SyncedTable | undefined
    if (!table) continue
    const oldRow =
      entry.row === null
        ? undefined
        : Object.fromEntries(
            (JSON.parse(entry.row) as string[]).map((cell, index) => [table.columns[index], decodeCell(cell)]),
          )
    const key = entry.pk === null ? undefined : parseKey(entry.pk)
    if (entry.op === 'insert') await deleteByKey(tx, table, key as unknown[])
    else if (entry.op === 'update')
      await tx
        .updateTable(table.name)
        .set(oldRow as object)
        .where(keyMatches(table, key as unknown[]))
        .execute()
    else
      await tx
        .insertInto(table.name)
        .values(oldRow as object)
        .execute()
  }
  await tx.deleteFrom(UNDO).execute()
}

/** Rows of a pull written by one statement as one JSON text (see {@link applyTableChanges}). */
const JSON_ROWS_PER_STATEMENT = 5000
/** Rows per statement where each value is bound on its own, well within every engine's limit. */
const BOUND_VALUES_PER_STATEMENT = 900
/** A UTF-16 surrogate without its pair: JSON would carry it, and SQLite would store other text. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Writes the server's rows of one table, in the server's order. Binding values one by one is what
 * costs most in the WASM engine (each string is copied into its memory on its own), so runs of rows
 * whose values JSON carries exactly, as SQLite reads JSON (text without NUL or lone surrogates,
 * integers within 2^53, null), go as ONE bound JSON text per statement, unpacked by `json_each`;
 * other rows (reals, blobs, larger integers, such text) bind each value as before.
 */
async function applyTableChanges(tx: Transaction<any>, table: SyncedTable, changes: WireTableChanges): Promise<void> {
  for (const key of changes.deletes) await deleteByKey(tx, table, key.map(checkedValue))
  if (changes.upserts.length === 0) return
  const updated = table.columns.filter((column) => !table.primaryKey.includes(column))
  const upsert = (oc: OnConflictBuilder<any, any>) => {
    const target = oc.columns(table.primaryKey as string[])
    if (updated.length === 0) return target.doNothing()
    return target.doUpdateSet(
      Object.fromEntries(updated.map((column) => [column, sql.ref(`excluded.${column}`)])) as never,
    )
  }
  const { columns, upserts } = changes
  const boundPerStatement = Math.max(1, Math.floor(BOUND_VALUES_PER_STATEMENT / columns.length))
  const writeJson = async (rows: readonly (readonly WireValue[])[]) => {
    const unpacked = columns.map((_, index) => sql`value ->> ${sql.raw(String(index))}`)
    await tx
      .insertInto(table.name)
      .columns(columns as string[])
      // `where true` tells SQLite's parser that `on conflict` belongs to the insert, not to a join.
      .expression(sql`select ${sql.join(unpacked)} from json_each(${JSON.stringify(rows)}) where true`)
      .onConflict(upsert)
      .execute()
  }
  const writeBound = async (rows: readonly (readonly WireValue[])[]) => {
    for (let start = 0; start < rows.length; start += boundPerStatement) {
      const values = rows
        .slice(start, start + boundPerStatement)
        .map((row) => Object.fromEntries(columns.map((column, index) => [column, checkedValue(row[index])])))
      await tx.insertInto(table.name).values(values).onConflict(upsert).execute()
    }
  }
  const numeric = columns.map((column) => table.numericColumns.has(column))
  let run: (readonly WireValue[])[] = []
  let runIsJson = true
  for (const row of upserts) {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new StorageError('QUERY_FAILED', 'the server sent a row sync cannot read', { adapter: 'sync' })
    }
    const json = row.every((value, index) => travelsAsJson(value, numeric[index] === true))
    if (run.length > 0 && (json !== runIsJson || (json && run.length === JSON_ROWS_PER_STATEMENT))) {
      await (runIsJson ? writeJson(run) : writeBound(run))
      run = []
    }
    if (!json) for (const value of row) checkedValue(value)
    runIsJson = json
    run.push(row)
  }
  if (run.length > 0) await (runIsJson ? writeJson(run) : writeBound(run))
}

/**
 * Whether SQLite's `->>` gives back exactly what binding the value would store. A number only
 * where the column's affinity decides the storage class (a JSON number has none of its own: `5.0`
 * is read back as the integer 5, and engines bind numbers differently) and within 2^53; text only
 * without what JSON or SQLite's JSON reader would change (NUL, lone surrogates).
 */
function travelsAsJson(value: unknown, numericColumn: boolean): boolean {
  if (value === null) return true
  if (typeof value === 'number') return numericColumn && Number.isSafeInteger(value)
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value)
  return false
}

function checkedValue(value: unknown): unknown {
  if (!isWireValue(value))
    throw new StorageError('QUERY_FAILED', 'the server sent a value sync cannot read', { adapter: 'sync' })
  return fromWire(value)
}

function keyMatches(table: SyncedTable, key: readonly unknown[]) {
  return (eb: any) =>
    eb.and(table.primaryKey.map((column, index) => eb(column, key[index] === null ? 'is' : '=', key[index])))
}

async function deleteByKey(tx: Transaction<any>, table: SyncedTable, key: readonly unknown[]): Promise<void> {
  await tx.deleteFrom(table.name).where(keyMatches(table, key)).execute()
}

/** The highest mutation id this database ever gave (the outbox's AUTOINCREMENT never reuses one). */
async function lastAssignedMutationId(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${OUTBOX}`.execute(db)
  return Number(rows[0]?.seq ?? 0)
}

async function readState(
  db: Kysely<any>,
): Promise<{ cursor: number | null; cursorTag: string | null; acknowledged: number }> {
  const row = await db.selectFrom(STATE).select(['cursor', 'cursor_tag', 'acknowledged']).executeTakeFirstOrThrow()
  return {
    cursor: row.cursor === null ? null : Number(row.cursor),
    cursorTag: (row.cursor_tag as string | null) ?? null,
    acknowledged: Number(row.acknowledged),
  }
}

/** The server's answer, or the typed error it answered with. */
async function readAnswer(response: Response, adapter: string): Promise<SyncResponseBody | StorageError> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    return new StorageError('QUERY_FAILED', `the sync endpoint answered ${response.status} without JSON`, { adapter })
  }
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error
  if (!response.ok || error) {
    if (error?.code === 'schema_mismatch') {
      return new StorageError(
        'MIGRATION_FAILED',
        'this database is on another schema than the server: reload the application to get the same migrations',
        { adapter },
      )
    }
    return new StorageError(
      'QUERY_FAILED',
      `sync failed (${response.status}): ${error?.message ?? 'no reason given'}`,
      {
        adapter,
      },
    )
  }
  const answer = body as SyncResponseBody
  if (answer.protocol !== SYNC_PROTOCOL_VERSION || !Array.isArray(answer.changes)) {
    return new StorageError('QUERY_FAILED', 'the sync endpoint answered in another protocol; update the client', {
      adapter,
    })
  }
  return answer
}
