import { type CompiledQuery, type Compilable, type Kysely, type RawBuilder, sql } from 'kysely'
import { CheckConstraintError, StorageError, UnsupportedOperationError } from '../core/errors.js'
import { ReadWhileRecordingError, recordingKysely } from '../core/recording-kysely.js'
import type { StorageProvider } from '../core/storage-provider.js'
import type { Mutators } from './define-mutators.js'
import {
  SYNC_PROTOCOL_VERSION,
  type SyncRequestBody,
  type SyncResponseBody,
  toWire,
  type WireMutation,
  type WireRejection,
  type WireValue,
  type WireTableChanges,
} from './sync-protocol.js'
import { parseSyncRequest, SyncRequestError } from './sync-request.js'
import {
  decodeCell,
  describeSyncedTables,
  encodedRowJson,
  parseKey,
  primaryKeyInJson,
  primaryKeyJson,
  quoteString,
  type SyncedTable,
} from './synced-tables.js'
import { quoteIdentifier } from '../core/quote-identifier.js'
import { schemaVersion } from './schema-version.js'

/** Options of {@link createSyncServer}. */
export interface SyncServerOptions<DB> {
  /** The authoritative database, migrated with the same migrations as the clients'. */
  storage: StorageProvider<DB>
  /** The same mutators the clients run. */
  mutators: Mutators<DB>
  /** The tables clients replicate, parents before children. Each needs a primary key. */
  tables: readonly (keyof DB & string)[]
  /**
   * Decides whether a request may sync (check its token here): `true` lets it through; `false`
   * answers 401. Without it every request may sync.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>
  /** Largest request body accepted, in bytes; larger ones get 413. Default 8 MiB. */
  maxBodyBytes?: number
}

/** The sync endpoint: mount `handle` on one route (Pages Function, Worker, Node server). */
export interface SyncServer {
  /** Answers one sync request: applies its mutations, then returns the changes the client lacks. */
  handle(request: Request): Promise<Response>
  /**
   * Shortens the change log to its newest `keep` entries. Clients whose cursor is older than what
   * is left get every row on their next sync (a full reset, their pending work rebased on top);
   * clients that kept up are not affected. Run it on a schedule (a Cron Trigger, a timer).
   *
   * @throws {StorageError} `INVALID_PARAMETER` when `keep` is not a positive safe integer.
   */
  compact(options: CompactOptions): Promise<CompactResult>
}

/** Options of {@link SyncServer.compact}. */
export interface CompactOptions {
  /** Change-log entries to keep, newest first: at least 1, so the log keeps its position. */
  keep: number
}

/** What {@link SyncServer.compact} did. */
export interface CompactResult {
  /** Entries removed. */
  removed: number
  /** The oldest position left: clients with a cursor before it get a full reset. */
  oldestKept: number | null
}

const CHANGES = '_sync_changes'
const CLIENTS = '_sync_clients'
const REJECTIONS = '_sync_rejections'
const GUARD = '_sync_guard'
const ALREADY_APPLIED = '_sync_already_applied'
/** Change-log entries one compaction statement removes at most. */
const COMPACT_SLICE = 10_000

/**
 * The server end of sync: one endpoint that takes each client's mutations (push), replays them
 * with the same mutators on the authoritative database, exactly once and in order, and answers
 * with the rows that changed since the client's cursor (pull).
 *
 * Every write to a synced table, by a mutator or by anything else, is recorded in a change log
 * (`_sync_changes`, filled by triggers the server installs), so what clients pull is whatever the
 * database holds, not only what came through sync.
 *
 * Where transactions are interactive (sqlite, durable objects) mutators may read and write. On
 * D1 a mutator runs the way migrations do there: its writes are recorded and sent in one atomic
 * batch with the client's bookkeeping, and a mutator that reads is rejected with an
 * `UnsupportedOperationError`; express conditions in SQL (`where quantity + ? >= 0`, CHECK
 * constraints) instead.
 *
 * @template DB - the database schema
 * @example
 * ```ts
 * const sync = createSyncServer<Database>({ storage, mutators, tables: ['items', 'movements'] })
 * export const onRequestPost = ({ request }: { request: Request }) => sync.handle(request)
 * ```
 */
export function createSyncServer<DB>(options: SyncServerOptions<DB>): SyncServer {
  const { storage, mutators } = options
  const adapter = storage.adapter
  const db = storage.db as unknown as Kysely<any>
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024
  let described: Promise<SyncedTable[]> | undefined

  const tables = () => {
    described ??= setUpChangeLog(storage, options.tables).catch((error: unknown) => {
      described = undefined
      throw error
    })
    return described
  }

  async function sync(body: SyncRequestBody): Promise<SyncResponseBody | Response> {
    const synced = await tables()
    const schema = await schemaVersion(db)
    if (body.schema !== schema) {
      return errorResponse(409, 'schema_mismatch', 'the client database is on another schema than the server; reload', {
        schema,
      })
    }
    if (body.mutations.length > 0) {
      if (storage.capabilities.interactiveTransactions) await pushInTransaction(body.clientId, body.mutations)
      else await pushInBatches(body.clientId, body.mutations)
    }
    return pull(synced, body)
  }

  /** Applies mutations in one transaction, each in a savepoint: a refused one leaves no trace. */
  async function pushInTransaction(clientId: string, mutations: readonly WireMutation[]): Promise<void> {
    await storage.transaction(async (trx) => {
      const db = trx as unknown as Kysely<any>
      let last = await lastMutationId(db, clientId)
      for (const mutation of mutations) {
        if (mutation.id <= last) continue
        // Quoted, as Kysely writes savepoints: the durable-object driver turns exactly that form
        // into the runtime's nested transactions (the runtime refuses SQL's own savepoints).
        await sql`savepoint "_sync_mutation"`.execute(db)
        try {
          await mutatorOf(mutation)(db as Kysely<DB>, mutation.args)
          await sql`release "_sync_mutation"`.execute(db)
        } catch (error) {
          await sql`rollback to "_sync_mutation"`.execute(db)
          await sql`release "_sync_mutation"`.execute(db)
          if (isRetryable(error)) throw error
          await db
            .insertInto(REJECTIONS)
            .values(rejectionRow(clientId, mutation, error))
            .execute()
        }
        await finishMutation(db, clientId, mutation.id).execute()
        last = mutation.id
      }
    })
  }

  /**
   * Applies mutations where transactions cannot stay open (D1): each mutator's writes are
   * recorded, and sent in one batch with a guard that aborts it if another request applied the
   * mutation meanwhile, and with the client's new last mutation id. All mutations go in one batch
   * first; if that fails, one batch each, so a refused one does not hold back the others.
   */
  async function pushInBatches(clientId: string, mutations: readonly WireMutation[]): Promise<void> {
    const finished = await lastMutationId(db, clientId)
    const pending = mutations.filter((mutation) => mutation.id > finished)
    const recorded: { mutation: WireMutation; writes: Compilable[] | Error }[] = []
    for (const mutation of pending) recorded.push({ mutation, writes: await recordMutation(mutation) })
    const first = recorded[0]
    const last = recorded[recorded.length - 1]
    if (first && last && recorded.every(({ writes }) => !(writes instanceof Error))) {
      // Mutations are finished in order, so another request that finished any of these finished
      // the first: one guard on it covers the whole batch, one bookkeeping row ends it.
      const writes = recorded.flatMap((entry) => entry.writes as Compilable[])
      try {
        await storage.batch([
          guard(db, clientId, first.mutation.id),
          ...writes,
          finishMutation(db, clientId, last.mutation.id),
        ])
        return
      } catch (error) {
        if (isRetryable(error)) throw error
      }
    }
    for (const { mutation, writes } of recorded) {
      const finish = [guard(db, clientId, mutation.id), finishMutation(db, clientId, mutation.id)]
      try {
        if (writes instanceof Error) throw writes
        await storage.batch([guard(db, clientId, mutation.id), ...writes, finishMutation(db, clientId, mutation.id)])
      } catch (error) {
        if (isAlreadyApplied(error)) continue
        if (isRetryable(error)) throw error
        try {
          await storage.batch([...finish, db.insertInto(REJECTIONS).values(rejectionRow(clientId, mutation, error))])
        } catch (bookkeeping) {
          if (!isAlreadyApplied(bookkeeping)) throw bookkeeping
        }
      }
    }
  }

  /** Runs the mutator against a Kysely that records its writes; an error is returned, not thrown. */
  function recordMutation(mutation: WireMutation): Promise<Compilable[] | Error> {
    const statements: CompiledQuery[] = []
    return mutatorOf(mutation)(recordingKysely(statements) as Kysely<DB>, mutation.args).then(
      () => statements.map(compiled),
      (error: unknown) => {
        if (error instanceof ReadWhileRecordingError) {
          return new UnsupportedOperationError(
            `mutator "${mutation.name}" reads (\`${error.sql}\`) before it finishes writing; on ${adapter} its writes are sent as one batch, so it cannot depend on what it reads. Express the condition in SQL (a where clause, a CHECK constraint) or use an adapter with interactive transactions`,
            { adapter },
          )
        }
        return error instanceof Error ? error : new Error(describeThrown(error))
      },
    )
  }

  function mutatorOf(mutation: WireMutation) {
    const mutator = Object.hasOwn(mutators, mutation.name) ? mutators[mutation.name] : undefined
    if (!mutator) {
      return () =>
        Promise.reject(
          new UnsupportedOperationError(`the server has no mutator "${mutation.name}"; deploy the client's mutators`, {
            adapter,
          }),
        )
    }
    return mutator
  }

  async function pull(synced: readonly SyncedTable[], body: SyncRequestBody): Promise<SyncResponseBody> {
    const [clientRow, rejectionRows, cursorRow, changedRows, tagRow, oldestRow] = await storage.batch([
      db.selectFrom(CLIENTS).select('last_mutation_id').where('client_id', '=', body.clientId),
      db
        .selectFrom(REJECTIONS)
        .select(['mutation_id', 'name', 'error'])
        .where('client_id', '=', body.clientId)
        .where('mutation_id', '>', body.acknowledged)
        .orderBy('mutation_id'),
      db.selectFrom(CHANGES).select(['seq', 'tag']).orderBy('seq', 'desc').limit(1),
      db
        .selectFrom(CHANGES)
        .select(['table_name', 'pk'])
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('seq', '>', body.cursor ?? 0)
        .groupBy(['table_name', 'pk'])
        .orderBy('seq'),
      db
        .selectFrom(CHANGES)
        .select('tag')
        .where('seq', '=', body.cursor ?? 0),
      db.selectFrom(CHANGES).select((eb) => eb.fn.min('seq').as('seq')),
    ])
    const lastMutationId = Number(
      (clientRow?.rows[0] as { last_mutation_id?: number } | undefined)?.last_mutation_id ?? 0,
    )
    const rejected: WireRejection[] = (rejectionRows?.rows ?? []).map((row) => {
      const { mutation_id, name, error } = row as { mutation_id: number; name: string; error: string }
      return { id: Number(mutation_id), name, error: JSON.parse(error) }
    })
    const last = cursorRow?.rows[0] as { seq: number; tag: string } | undefined
    const cursor = Number(last?.seq ?? 0)
    const cursorTag = last?.tag ?? null
    const tagAtClientCursor = (tagRow?.rows[0] as { tag?: string } | undefined)?.tag ?? null
    const oldest = Number((oldestRow?.rows[0] as { seq?: number | null } | undefined)?.seq ?? 0)
    // A client with no cursor, or one this log does not know (the server's database was replaced or
    // restored from an older copy: its entry at that position is another, or missing; or compaction
    // removed it), starts over. So does one that read nothing yet when entries it needs were removed.
    const reset =
      body.cursor === null ||
      body.cursor > cursor ||
      (body.cursor > 0 && tagAtClientCursor !== body.cursorTag) ||
      (body.cursor === 0 && oldest > 1)
    const changes = reset ? await everyRow(synced) : await changedRowsOf(synced, changedRows?.rows ?? [])
    return { protocol: SYNC_PROTOCOL_VERSION, lastMutationId, rejected, cursor, cursorTag, reset, changes }
  }

  async function everyRow(synced: readonly SyncedTable[]): Promise<WireTableChanges[]> {
    const results = await storage.batch(
      synced.map((table) =>
        rawQuery(db, sql`select ${sql.raw(encodedRowJson(table))} as _sync_row from ${sql.table(table.name)}`),
      ),
    )
    return synced.map((table, index) => ({
      table: table.name,
      columns: table.columns,
      upserts: (results[index]?.rows ?? []).map(wireRow),
      deletes: [],
    }))
  }

  async function changedRowsOf(
    synced: readonly SyncedTable[],
    changed: readonly unknown[],
  ): Promise<WireTableChanges[]> {
    const keysByTable = new Map<string, string[]>()
    for (const row of changed as { table_name: string; pk: string }[]) {
      const keys = keysByTable.get(row.table_name) ?? []
      keys.push(row.pk)
      keysByTable.set(row.table_name, keys)
    }
    const touched = synced.filter((table) => keysByTable.has(table.name))
    if (touched.length === 0) return []
    const results = await storage.batch(
      touched.map((table) => rowsByKeys(table, `[${(keysByTable.get(table.name) as string[]).join(',')}]`)),
    )
    return touched.map((table, index) => {
      const rows = (results[index]?.rows ?? []) as Record<string, unknown>[]
      const found = new Set(rows.map((row) => String(row._sync_pk)))
      const deletes = (keysByTable.get(table.name) as string[])
        .filter((key) => !found.has(key))
        .map((key) => parseKey(key).map(toWire))
      return {
        table: table.name,
        columns: table.columns,
        upserts: rows.map(wireRow),
        deletes,
      }
    })
  }

  function rowsByKeys(table: SyncedTable, keysJson: string) {
    const columns = `${encodedRowJson(table)} as _sync_row`
    const [before, after] = primaryKeyInJson(table).split('?') as [string, string]
    return rawQuery(
      db,
      sql`select ${sql.raw(primaryKeyJson(table, null))} as _sync_pk, ${sql.raw(columns)} from ${sql.table(table.name)} where ${sql.raw(before)}${keysJson}${sql.raw(after)}`,
    )
  }

  async function compact({ keep }: CompactOptions): Promise<CompactResult> {
    if (!Number.isSafeInteger(keep) || keep < 1) {
      throw new StorageError('INVALID_PARAMETER', `compact needs keep to be a positive integer, not ${String(keep)}`, {
        adapter,
      })
    }
    await tables()
    const newest = await db
      .selectFrom(CHANGES)
      .select('seq')
      .orderBy('seq', 'desc')
      .offset(keep - 1)
      .limit(1)
      .executeTakeFirst()
    let removed = 0
    if (newest) {
      // In slices, so no single statement outgrows D1's limits on a long log.
      const boundary = Number(newest.seq)
      for (;;) {
        const slice = await db
          .selectFrom(CHANGES)
          .select('seq')
          .where('seq', '<', boundary)
          .orderBy('seq')
          .offset(COMPACT_SLICE - 1)
          .limit(1)
          .executeTakeFirst()
        const upTo = slice ? Math.min(Number(slice.seq) + 1, boundary) : boundary
        const result = await db.deleteFrom(CHANGES).where('seq', '<', upTo).executeTakeFirst()
        removed += Number(result.numDeletedRows)
        if (upTo === boundary) break
      }
    }
    const oldest = await db
      .selectFrom(CHANGES)
      .select((eb) => eb.fn.min('seq').as('seq'))
      .executeTakeFirst()
    return { removed, oldestKept: oldest?.seq == null ? null : Number(oldest.seq) }
  }

  return {
    compact,
    async handle(request: Request): Promise<Response> {
      try {
        if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'send sync requests with POST')
        if (options.authorize && !(await options.authorize(request))) {
          return errorResponse(401, 'unauthorized', 'this request may not sync')
        }
        const body = await parseSyncRequest(request, maxBodyBytes)
        const answer = await sync(body)
        return answer instanceof Response ? answer : Response.json(answer)
      } catch (error) {
        if (error instanceof SyncRequestError) return errorResponse(error.status, error.code, error.message)
        return errorResponse(500, 'internal', 'the server could not sync; try again later')
      }
    },
  }
}

/** Installs the change log, the client bookkeeping and one trigger per table and kind of write. */
async function setUpChangeLog<DB>(storage: StorageProvider<DB>, names: readonly string[]): Promise<SyncedTable[]> {
  const db = storage.db as unknown as Kysely<any>
  const synced = await describeSyncedTables(db, names, storage.adapter)
  const statements = [
    `create table if not exists ${CHANGES} (seq integer primary key autoincrement, table_name text not null, pk text not null, tag text not null default (lower(hex(randomblob(8)))))`,
    `create index if not exists ${CHANGES}_by_row on ${CHANGES} (table_name, pk, seq)`,
    `create table if not exists ${CLIENTS} (client_id text primary key, last_mutation_id integer not null)`,
    `create table if not exists ${REJECTIONS} (client_id text not null, mutation_id integer not null, name text not null, error text not null, primary key (client_id, mutation_id))`,
    `create table if not exists ${GUARD} (ok integer not null constraint ${ALREADY_APPLIED} check (ok = 1))`,
    ...synced.flatMap(changeLogTriggers),
  ]
  await storage.batch(statements.map((text) => rawQuery(db, sql.raw(text))))
  return synced
}

function changeLogTriggers(table: SyncedTable): string[] {
  const target = quoteIdentifier(table.name)
  const name = quoteString(table.name)
  const log = (key: string) => `insert into ${CHANGES} (table_name, pk) values (${name}, ${key});`
  const trigger = (kind: string) => quoteIdentifier(`_sync_log_${table.name}_${kind}`)
  return [
    `create trigger if not exists ${trigger('insert')} after insert on ${target} begin ${log(primaryKeyJson(table, 'new'))} end`,
    `create trigger if not exists ${trigger('update')} after update on ${target} begin ${log(primaryKeyJson(table, 'old'))} insert into ${CHANGES} (table_name, pk) select ${name}, ${primaryKeyJson(table, 'new')} where ${primaryKeyJson(table, 'new')} is not ${primaryKeyJson(table, 'old')}; end`,
    `create trigger if not exists ${trigger('delete')} after delete on ${target} begin ${log(primaryKeyJson(table, 'old'))} end`,
  ]
}

async function lastMutationId(db: Kysely<any>, clientId: string): Promise<number> {
  const row = await db
    .selectFrom(CLIENTS)
    .select('last_mutation_id')
    .where('client_id', '=', clientId)
    .executeTakeFirst()
  return Number(row?.last_mutation_id ?? 0)
}

function finishMutation(db: Kysely<any>, clientId: string, id: number) {
  return db
    .insertInto(CLIENTS)
    .values({ client_id: clientId, last_mutation_id: id })
    .onConflict((oc) => oc.column('client_id').doUpdateSet({ last_mutation_id: id }))
}

/** Fails the batch it is in (CHECK `_sync_already_applied`) when the mutation is already finished. */
function guard(db: Kysely<any>, clientId: string, id: number): Compilable {
  return rawQuery(
    db,
    sql`insert into ${sql.table(GUARD)} (ok) select 0 from ${sql.table(CLIENTS)} where client_id = ${clientId} and last_mutation_id >= ${id}`,
  )
}

function isAlreadyApplied(error: unknown): boolean {
  return error instanceof CheckConstraintError && error.constraint === ALREADY_APPLIED
}

/** Failures of the database itself, not of the mutation: the push fails and the client retries. */
function isRetryable(error: unknown): boolean {
  return (
    error instanceof StorageError &&
    (error.code === 'STORAGE_CLOSED' || error.code === 'STORAGE_UNAVAILABLE' || error.code === 'QUOTA_EXCEEDED')
  )
}

function rejectionRow(clientId: string, mutation: WireMutation, error: unknown) {
  const json =
    error instanceof StorageError
      ? error.toJSON()
      : { name: 'Error', code: 'QUERY_FAILED', message: describeThrown(error) }
  return { client_id: clientId, mutation_id: mutation.id, name: mutation.name, error: JSON.stringify(json) }
}

/**
 * A row selected as `_sync_row` ({@link encodedRowJson}) as it travels: read through SQLite's own
 * text, so integers beyond 2^53 stay exact whatever the adapter's driver makes of them.
 */
function wireRow(row: unknown): WireValue[] {
  return (JSON.parse(String((row as { _sync_row: string })._sync_row)) as string[]).map((cell) =>
    toWire(decodeCell(cell)),
  )
}

/** What a mutator threw, as text, whatever it threw: `String()` itself throws on `Object.create(null)`. */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error)
  } catch {
    return Object.prototype.toString.call(error)
  }
}

function compiled(query: CompiledQuery): Compilable {
  return { compile: () => query }
}

/** Raw SQL as a query `batch()` takes. */
function rawQuery(db: Kysely<any>, builder: RawBuilder<unknown>): Compilable {
  return compiled(builder.compile(db))
}

function errorResponse(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: { code, message, ...extra } }, { status })
}
