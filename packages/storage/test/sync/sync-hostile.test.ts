import { type Kysely, type Migration, sql } from 'kysely'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { StorageProvider } from '../../src/index.js'
import { createSyncClient, createSyncServer, defineMutators, type SyncServer } from '../../src/sync.js'
import { adapterHarnesses } from '../support/adapter-harnesses.js'
import { connectSyncClient, openSyncClient, openSyncServer } from './sync-fixtures.js'

/** Hostile input and awkward schemas: what a careless or malicious user does to sync. */

const ENDPOINT = 'https://inventory.test/api/sync'

interface EdgeDB {
  parents: { id: string; label: string | null }
  children: { id: string; parent_id: string | null; owner_id: string }
  pairs: { a: string; b: number; value: unknown }
  big: { id: number | bigint; value: number | bigint | null }
}

const migrations: Record<string, Migration> = {
  '0001_edge': {
    async up(db: Kysely<any>) {
      await sql`create table parents (id text primary key, label text)`.execute(db)
      await sql`create table children (id text primary key, parent_id text references parents (id) on delete set null, owner_id text not null references parents (id) on delete cascade)`.execute(
        db,
      )
      await sql`create table pairs (a text not null, b integer not null, value, primary key (a, b))`.execute(db)
      await sql`create table big (id integer primary key, value integer)`.execute(db)
    },
  },
}
const tables = ['parents', 'children', 'pairs', 'big'] as const

const mutators = defineMutators({
  async addParent(db: Kysely<EdgeDB>, args: { id: string; label?: string | null }) {
    await db
      .insertInto('parents')
      .values({ id: args.id, label: args.label ?? null })
      .execute()
  },
  async addChild(db: Kysely<EdgeDB>, args: { id: string; parentId: string | null; ownerId: string }) {
    await db.insertInto('children').values({ id: args.id, parent_id: args.parentId, owner_id: args.ownerId }).execute()
  },
  async removeParent(db: Kysely<EdgeDB>, args: { id: string }) {
    await db.deleteFrom('parents').where('id', '=', args.id).execute()
  },
  async putPair(db: Kysely<EdgeDB>, args: { a: string; b: number; value: unknown }) {
    await sql`insert into pairs (a, b, value) values (${args.a}, ${args.b}, ${args.value}) on conflict (a, b) do update set value = excluded.value`.execute(
      db,
    )
  },
  async putBig(db: Kysely<EdgeDB>, args: { id: string; value: string | null }) {
    await sql`insert into big (id, value) values (cast(${args.id} as integer), cast(${args.value} as integer))`.execute(
      db,
    )
  },
  async throwNull() {
    throw Object.create(null)
  },
  async throwString() {
    throw 'plain text'
  },
})

const serverHarness = adapterHarnesses.sqliteFile()
const clientHarness = adapterHarnesses.sqliteMemory()
const browserClientHarness = adapterHarnesses.indexedDb()
afterAll(async () => {
  await serverHarness.dispose()
  await clientHarness.dispose()
  await browserClientHarness.dispose()
})
afterEach(async () => {
  await serverHarness.cleanup()
  await clientHarness.cleanup()
  await browserClientHarness.cleanup()
})

const setup = { migrations, mutators, tables }
const openServer = () => openSyncServer<EdgeDB, typeof mutators>(serverHarness, setup)
const openClient = (server: Pick<SyncServer, 'handle'>) =>
  openSyncClient<EdgeDB, typeof mutators>(clientHarness, setup, server)

async function quoted(storage: StorageProvider<EdgeDB>, query: string) {
  const { rows } = await sql.raw<Record<string, unknown>>(query).execute(storage.db)
  return rows
}

function post(body: unknown): Request {
  return new Request(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const base = (clientId: string, extra: Record<string, unknown>) => ({
  protocol: 1,
  clientId,
  schema: '0001_edge',
  cursor: null,
  acknowledged: 0,
  mutations: [],
  ...extra,
})

describe('sync against hostile input', () => {
  it('keeps integer primary keys beyond 2^53 exact through a pull, a delete and an undo', async () => {
    const server = await openServer()
    const { storage, client } = await openClient(server.sync)
    await sql`insert into big (id, value) values (9007199254740993, 9007199254740995), (9007199254740992, 1)`.execute(
      server.storage.db,
    )
    expect((await client.sync()).state).toBe('idle')
    const select = 'select cast(id as text) as id, cast(value as text) as value from big order by id'
    expect(await quoted(storage, select)).toEqual(await quoted(server.storage, select))

    await sql`delete from big where id = 9007199254740993`.execute(server.storage.db)
    expect((await client.sync()).state).toBe('idle')
    expect(await quoted(storage, select)).toEqual([{ id: '9007199254740992', value: '1' }])

    // An optimistic insert of a big key is undone exactly (not its neighbour) when the server refuses it.
    await client.mutate.putBig({ id: '9007199254740993', value: null })
    await sql`insert into big (id, value) values (9007199254740993, 7)`.execute(server.storage.db)
    expect((await client.sync()).state).toBe('idle')
    expect(await quoted(storage, select)).toEqual(await quoted(server.storage, select))
  })
})

describe('sync against hostile requests', () => {
  it('answers 400 to wrongly typed fields, never 500', async () => {
    const { sync } = await openServer()
    const bodies: unknown[] = [
      '[]',
      'null',
      '"text"',
      base('c1', { clientId: '../etc' }),
      base('c1', { clientId: 'x'.repeat(65) }),
      base('c1', { cursor: -1 }),
      base('c1', { cursor: '5' }),
      base('c1', { acknowledged: 2 ** 60 }),
      base('c1', { mutations: {} }),
      base('c1', { mutations: [null] }),
      base('c1', { mutations: [{ id: -1, name: 'addParent', args: {} }] }),
      base('c1', { mutations: [{ id: 1.5, name: 'addParent', args: {} }] }),
      base('c1', { mutations: [{ id: 2 ** 53, name: 'addParent', args: {} }] }),
      base('c1', { mutations: [{ id: 1, name: 7, args: {} }] }),
      // A refused mutation's name is stored and sent back with every pull: never megabytes of it.
      base('c1', { mutations: [{ id: 1, name: 'x'.repeat(129), args: {} }] }),
      base('c1', {
        mutations: [
          { id: 2, name: 'addParent', args: { id: 'a' } },
          { id: 2, name: 'addParent', args: { id: 'b' } },
        ],
      }),
    ]
    for (const body of bodies) {
      const response = await sync.handle(post(body))
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400)
    }
    // The client's side of the name limit: such a mutator is refused where it is defined.
    expect(() => defineMutators({ ['x'.repeat(129)]: async () => {} })).toThrow(/longer than 128 characters/)
  })

  it('refuses a push of more mutations than a client ever sends in one request', async () => {
    const { storage, sync } = await openServer()
    const mutations = Array.from({ length: 5000 }, (_, index) => ({ id: index + 1, name: 'nope', args: null }))
    const response = await sync.handle(post(base('flood', { mutations })))
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('too_large')
    // A full client push still goes through.
    const full = mutations.slice(0, 1000)
    expect((await sync.handle(post(base('flood', { mutations: full })))).status).toBe(200)
    expect(await quoted(storage, 'select count(*) as n from _sync_rejections')).toEqual([{ n: 1000 }])
  })

  it('rejects mutator names from the prototype as unknown, and goes on with the next', async () => {
    const { storage, sync } = await openServer()
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']
    const mutations = [
      ...names.map((name, index) => ({ id: index + 1, name, args: { id: 'x' } })),
      { id: 10, name: 'addParent', args: { id: 'kept', __proto__: { label: 'polluted' } } },
    ]
    const response = await sync.handle(post(base('proto', { mutations })))
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { lastMutationId: number; rejected: { name: string; error: any }[] }
    expect(answer.lastMutationId).toBe(10)
    expect(answer.rejected.map((rejection) => rejection.name)).toEqual(names)
    for (const rejection of answer.rejected) expect(rejection.error.code).toBe('UNSUPPORTED_OPERATION')
    expect(await quoted(storage, 'select id, label from parents')).toEqual([{ id: 'kept', label: null }])
    expect(({} as any).label).toBeUndefined()
  })

  it('records a mutator that throws a value that is not an Error as a refusal, and goes on', async () => {
    const { storage, sync } = await openServer()
    const mutations = [
      { id: 1, name: 'throwNull', args: null },
      { id: 2, name: 'throwString', args: null },
      { id: 3, name: 'addParent', args: { id: 'after' } },
    ]
    const response = await sync.handle(post(base('throws', { mutations })))
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { lastMutationId: number; rejected: { id: number; error: any }[] }
    expect(answer.lastMutationId).toBe(3)
    expect(answer.rejected.map((rejection) => rejection.id)).toEqual([1, 2])
    expect(answer.rejected[1]?.error.message).toContain('plain text')
    expect(await quoted(storage, 'select id from parents')).toEqual([{ id: 'after' }])
  })

  it('skips mutation ids at or below the last finished one, in a later request too', async () => {
    const { storage, sync } = await openServer()
    await sync.handle(post(base('back', { mutations: [{ id: 5, name: 'addParent', args: { id: 'five' } }] })))
    const response = await sync.handle(
      post(base('back', { mutations: [{ id: 3, name: 'addParent', args: { id: 'three' } }] })),
    )
    expect(((await response.json()) as { lastMutationId: number }).lastMutationId).toBe(5)
    expect(await quoted(storage, 'select id from parents')).toEqual([{ id: 'five' }])
  })

  it('survives deeply nested and huge arguments without a 500', async () => {
    const { storage, sync } = await openServer()
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const text = `{"protocol":1,"clientId":"deep","schema":"0001_edge","cursor":null,"acknowledged":0,"mutations":[{"id":1,"name":"addChild","args":${deep}},{"id":2,"name":"addParent","args":{"id":"ok","label":"${'x'.repeat(1_000_000)}"}}]}`
    const response = await sync.handle(post(text))
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { lastMutationId: number; rejected: { id: number }[] }
    expect(answer.lastMutationId).toBe(2)
    expect(answer.rejected.map((rejection) => rejection.id)).toEqual([1])
    expect(await quoted(storage, 'select id, length(label) as length from parents')).toEqual([
      { id: 'ok', length: 1_000_000 },
    ])
  })

  it('applies each mutation once when one client pushes the same mutations twice at the same time', async () => {
    const { storage, sync } = await openServer()
    const mutations = Array.from({ length: 20 }, (_, index) => ({
      id: index + 1,
      name: 'addParent',
      args: { id: `p${index}` },
    }))
    const answers = await Promise.all([1, 2, 3].map(() => sync.handle(post(base('twice', { mutations })))))
    for (const answer of answers) expect(answer.status).toBe(200)
    expect(await quoted(storage, 'select count(*) as n from parents')).toEqual([{ n: 20 }])
    expect(await quoted(storage, 'select count(*) as n from _sync_rejections')).toEqual([{ n: 0 }])
  })
})

describe('sync of awkward values and schemas', () => {
  it('carries composite keys, quoted and unicode text, NULLs, blobs and reals exactly to another client', async () => {
    const server = await openServer()
    const writer = await openClient(server.sync)
    const reader = await openClient(server.sync)
    const keys = ["it's", '"quoted"', 'ünï ✓ 𝄞', '', 'a\\b\u0000c'.replace('\u0000', '')]
    for (const [index, a] of keys.entries()) {
      await writer.client.mutate.putPair({ a, b: index - 2, value: [0.1, -0, null, 'text', 2 ** 53 - 1][index] })
    }
    await sql`insert into pairs (a, b, value) values ('blob', 0, x'00ff10'), ('real', 1, 1.0), ('big', 2, 9223372036854775807), ('inf', 4, 9e999), ('-inf', 5, -9e999), ('neg0', 6, -0.0)`.execute(
      server.storage.db,
    )
    expect((await writer.client.sync()).state).toBe('idle')
    expect((await reader.client.sync()).state).toBe('idle')
    const select = 'select a, b, typeof(value) as type, quote(value) as value from pairs order by a, b'
    const expected = await quoted(server.storage, select)
    expect(await quoted(reader.storage, select)).toEqual(expected)
    expect(await quoted(writer.storage, select)).toEqual(expected)
    expect(expected).toHaveLength(11)
  })

  it('applies a large pull in few statements, and the rows JSON would change exactly, in order', async () => {
    const server = await openServer()
    const plain = Array.from({ length: 2000 }, (_, index) => ({
      a: `row ${index} ✓`,
      b: index,
      value: `text ${index}`,
    }))
    for (let start = 0; start < plain.length; start += 250) {
      await server.storage.db
        .insertInto('pairs')
        .values(plain.slice(start, start + 250))
        .execute()
    }
    // Rows JSON would not carry as binding stores them, between plain ones: the order must hold.
    await sql`insert into pairs (a, b, value) values ('nul', 1, 'x' || char(0) || 'y'), ('plain after nul', 1, 'p'), ('blob', 1, x'00ff'), ('half', 1, 0.5), ('large', 1, 1152921504606846976), ('huge real', 1, 1e300), ('integer in untyped', 1, 7), ('plain last', 1, '📦')`.execute(
      server.storage.db,
    )
    const inserts: string[] = []
    const storage = await browserClientHarness.open<EdgeDB>({
      log: (event) => {
        if (event.level === 'query' && /^insert into "pairs"/.test(event.query.sql)) inserts.push(event.query.sql)
      },
    })
    await storage.migrate(migrations)
    const client = connectSyncClient(storage, setup, server.sync)
    expect((await client.sync()).state).toBe('idle')
    const select =
      'select a, b, typeof(value) as type, hex(value) as hex, quote(value) as value from pairs order by a, b'
    expect(await quoted(storage, select)).toEqual(await quoted(server.storage, select))
    // The 2,000 plain rows in one JSON statement, then one statement per run of rows of one kind
    // (in the server's order: awkward, plain, five awkward, plain). Binding every value, 900 values
    // per statement, took 7 statements.
    expect(inserts.length).toBe(5)
    expect(inserts[0]).toContain('json_each')
  })

  it('refuses a pull whose row lacks a value, and keeps what it had', async () => {
    const server = await openServer()
    await sql`insert into pairs (a, b, value) values ('kept', 1, 'old')`.execute(server.storage.db)
    let cut = false
    const storage = await browserClientHarness.open<EdgeDB>()
    await storage.migrate(migrations)
    const client = createSyncClient({
      storage,
      mutators,
      endpoint: ENDPOINT,
      tables,
      // A proxy that drops the last value of each row of the second answer.
      fetch: async (request) => {
        const response = await server.sync.handle(request)
        if (!cut) return response
        const body = await response.json()
        for (const changes of body.changes) changes.upserts = changes.upserts.map((row: unknown[]) => row.slice(0, -1))
        return new Response(JSON.stringify(body), { status: response.status, headers: response.headers })
      },
    })
    expect((await client.sync()).state).toBe('idle')
    await sql`insert into pairs (a, b, value) values ('new', 1, 'lost')`.execute(server.storage.db)
    cut = true
    const status = await client.sync()
    expect(status.state).toBe('error')
    expect(await quoted(storage, 'select a, value from pairs')).toEqual([{ a: 'kept', value: 'old' }])
  })

  // Known limit: JSON cannot tell 5 from 5.0, and better-sqlite3 binds every JavaScript number as a
  // real, so an integer in a column without a declared type arrives on a sqlite client as 5.0.
  // Typed columns (INTEGER, REAL, NUMERIC, TEXT) are unaffected: their affinity restores the type.
  it.skip('keeps an integer in a column without a declared type an integer on a sqlite client', async () => {
    const server = await openServer()
    const { storage, client } = await openClient(server.sync)
    await sql`insert into pairs (a, b, value) values ('int', 3, 5)`.execute(server.storage.db)
    await client.sync()
    expect(await quoted(storage, 'select typeof(value) as type from pairs')).toEqual([{ type: 'integer' }])
  })

  it('restores cascaded and nulled children when a refused parent delete is undone', async () => {
    const { storage: serverStorage } = await openServer()
    // The server lacks removeParent: the client's delete is refused and must be undone exactly.
    const { removeParent: _omitted, ...serverMutators } = mutators
    const sync = createSyncServer<EdgeDB>({ storage: serverStorage, mutators: serverMutators, tables })
    const { storage, client, rejected } = await openClient(sync)
    await client.mutate.addParent({ id: 'p', label: 'parent' })
    await client.mutate.addParent({ id: 'q', label: null })
    await client.mutate.addChild({ id: 'c1', parentId: 'p', ownerId: 'p' })
    await client.mutate.addChild({ id: 'c2', parentId: 'p', ownerId: 'q' })
    expect((await client.sync()).state).toBe('idle')
    const select = 'select id, parent_id, owner_id from children order by id'
    const before = await quoted(storage, select)
    expect(before).toHaveLength(2)

    await client.mutate.removeParent({ id: 'p' })
    expect(await quoted(storage, select)).toEqual([{ id: 'c2', parent_id: null, owner_id: 'q' }])
    expect((await client.sync()).state).toBe('idle')
    expect(rejected.map((rejection) => rejection.name)).toEqual(['removeParent'])
    expect(await quoted(storage, select)).toEqual(before)
    expect(await quoted(storage, 'select id, label from parents order by id')).toEqual(
      await quoted(serverStorage, 'select id, label from parents order by id'),
    )
  })

  it('refuses to sync a table whose primary key is a blob', async () => {
    const storage = await serverHarness.open<any>()
    await sql`create table blobs (id blob primary key, v text)`.execute(storage.db)
    const sync = createSyncServer<any>({ storage, mutators: {}, tables: ['blobs'] })
    const response = await sync.handle(post(base('blob', { schema: null })))
    expect(response.status).toBe(500)
    // Writes to the table keep working: no trigger that cannot log a blob key was installed.
    await sql`insert into blobs (id, v) values (x'01', 'one')`.execute(storage.db)
    const client = await clientHarness.open<any>()
    await sql`create table blobs (id blob primary key, v text)`.execute(client.db)
    const replica = createSyncClient({
      storage: client,
      mutators: {},
      endpoint: ENDPOINT,
      tables: ['blobs'],
      fetch: (request) => sync.handle(request),
    })
    const status = await replica.sync()
    expect(status.state).toBe('error')
    expect(status.error?.code).toBe('INVALID_PARAMETER')
    await sql`insert into blobs (id, v) values (x'01', 'one')`.execute(client.db)
  })
})

describe('sync clients in trouble', () => {
  it('runs a mutation locally with the arguments the server will get (as JSON)', async () => {
    const server = await openServer()
    const { storage, client } = await openClient(server.sync)
    // A Date becomes its ISO text in JSON, an undefined field disappears: both runs must see the same.
    await client.mutate.addParent({ id: 'dated', label: new Date(0) as unknown as string })
    const local = await quoted(storage, 'select id, label from parents')
    expect((await client.sync()).state).toBe('idle')
    expect(await quoted(server.storage, 'select id, label from parents')).toEqual(local)
    expect(local).toEqual([{ id: 'dated', label: '1970-01-01T00:00:00.000Z' }])
  })

  it('sends an outbox larger than the server takes in one request in several requests', async () => {
    const server = await openServer()
    const { client } = await openClient(server.sync)
    // Three mutations of 3 MB each: 9 MB in one request is over the server's default 8 MiB (413).
    for (const id of ['a', 'b', 'c']) await client.mutate.addParent({ id, label: id.repeat(3_000_000) })
    expect(await client.sync()).toMatchObject({ state: 'idle', pending: 0 })
    expect(await quoted(server.storage, 'select id, length(label) as length from parents order by id')).toEqual([
      { id: 'a', length: 3_000_000 },
      { id: 'b', length: 3_000_000 },
      { id: 'c', length: 3_000_000 },
    ])
  })

  it('queues nothing when the local run of a mutation throws', async () => {
    const server = await openServer()
    const { storage, client } = await openClient(server.sync)
    await expect(client.mutate.throwString(null as never)).rejects.toBe('plain text')
    await expect(client.mutate.addChild({ id: 'c', parentId: null, ownerId: 'missing' })).rejects.toThrow()
    expect(client.status.pending).toBe(0)
    expect(await quoted(storage, 'select count(*) as n from _sync_outbox')).toEqual([{ n: 0 }])
    expect((await client.sync()).state).toBe('idle')
    expect(await quoted(server.storage, 'select count(*) as n from children')).toEqual([{ n: 0 }])
  })

  it('keeps a mutation made while a sync is under way, and sends it next', async () => {
    const server = await openServer()
    let during: (() => Promise<void>) | undefined
    const { storage, client } = await openClient({
      async handle(request: Request) {
        await during?.()
        return server.sync.handle(request)
      },
    })
    await client.mutate.addParent({ id: 'first' })
    during = async () => {
      during = undefined
      await client.mutate.addParent({ id: 'second' })
    }
    expect((await client.sync()).state).toBe('idle')
    const select = 'select id from parents order by id'
    expect(await quoted(storage, select)).toEqual([{ id: 'first' }, { id: 'second' }])
    expect(client.status.pending).toBe(1)
    await client.sync()
    expect(await quoted(server.storage, select)).toEqual([{ id: 'first' }, { id: 'second' }])
    expect(client.status.pending).toBe(0)
  })

  it('reports a schema mismatch as MIGRATION_FAILED and keeps the outbox', async () => {
    const server = await openServer()
    await server.storage.migrate({
      ...migrations,
      '0002_more': { up: async (db) => void (await sql`create table extra (id integer primary key)`.execute(db)) },
    })
    const { storage, client } = await openClient(server.sync)
    await client.mutate.addParent({ id: 'local' })
    const status = await client.sync()
    expect(status.state).toBe('error')
    expect(status.error?.code).toBe('MIGRATION_FAILED')
    expect(status.pending).toBe(1)
    expect(await quoted(storage, 'select id from parents')).toEqual([{ id: 'local' }])
  })

  it('starts over, keeping pending work, when the server database was replaced by an older one', async () => {
    const first = await openServer()
    const { storage, client } = await openClient(first.sync)
    for (const id of ['a', 'b', 'c']) await client.mutate.addParent({ id })
    expect((await client.sync()).state).toBe('idle')
    // A fresh server database (a restore from before any of this) with one row of its own.
    const second = await openServer()
    await sql`insert into parents (id, label) values ('restored', null)`.execute(second.storage.db)
    const replaced = connectSyncClient(storage, setup, second.sync)
    await replaced.mutate.addParent({ id: 'pending' })
    expect((await replaced.sync()).state).toBe('idle')
    const select = 'select id from parents order by id'
    expect(await quoted(storage, select)).toEqual([{ id: 'pending' }, { id: 'restored' }])
    expect(await quoted(second.storage, select)).toEqual([{ id: 'pending' }, { id: 'restored' }])
  })

  it('fails a sync cleanly, losing nothing, when the local database closes under it', async () => {
    const server = await openServer()
    let close: (() => Promise<void>) | undefined
    const { storage, client } = await openClient({
      async handle(request: Request) {
        const response = await server.sync.handle(request)
        await close?.()
        return response
      },
    })
    await client.mutate.addParent({ id: 'queued' })
    close = () => storage.close()
    const status = await Promise.race([
      client.sync(),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000)),
    ])
    expect(status).not.toBe('hung')
    expect((status as { state: string }).state).toBe('error')
    expect(await quoted(server.storage, 'select id from parents')).toEqual([{ id: 'queued' }])
  })
})

describe('sync on D1 under concurrent pushes', () => {
  const d1 = adapterHarnesses.d1()
  afterAll(() => d1.dispose())
  afterEach(() => d1.cleanup())

  it('applies each mutation once when one client pushes the same mutations in parallel', async () => {
    const storage = await d1.open<EdgeDB>()
    await storage.migrate(migrations)
    const sync = createSyncServer<EdgeDB>({ storage, mutators, tables })
    const mutations = Array.from({ length: 10 }, (_, index) => ({
      id: index + 1,
      name: 'addParent',
      args: { id: `p${index}` },
    }))
    const overlapping = [mutations, mutations.slice(0, 5), mutations.slice(3), mutations]
    const answers = await Promise.all(overlapping.map((some) => sync.handle(post(base('twice', { mutations: some })))))
    for (const answer of answers) expect(answer.status).toBe(200)
    expect(await quoted(storage, 'select count(*) as n from parents')).toEqual([{ n: 10 }])
    expect(await quoted(storage, 'select count(*) as n from _sync_rejections')).toEqual([{ n: 0 }])
    expect(await quoted(storage, 'select last_mutation_id from _sync_clients')).toEqual([{ last_mutation_id: 10 }])
  }, 60_000)

  it('carries integers beyond 2^53 from D1 exactly', async () => {
    const storage = await d1.open<EdgeDB>()
    await storage.migrate(migrations)
    const sync = createSyncServer<EdgeDB>({ storage, mutators, tables })
    await sql`insert into big (id, value) values (9007199254740993, 9007199254740995)`.execute(storage.db)
    const response = await sync.handle(post(base('big', {})))
    const answer = (await response.json()) as { changes: { table: string; upserts: unknown[][] }[] }
    expect(answer.changes.find((changes) => changes.table === 'big')?.upserts).toEqual([
      [{ $int: '9007199254740993' }, { $int: '9007199254740995' }],
    ])
  })
})

describe('sync history that diverges', () => {
  it('starts over when the server database was replaced by an older copy that has since moved past the client cursor', async () => {
    const first = await openServer()
    const { storage, client } = await openClient(first.sync)
    for (const id of ['a', 'b']) await client.mutate.addParent({ id })
    expect((await client.sync()).state).toBe('idle')
    // Another database (a restore) whose log is longer than the client's cursor, with other rows.
    const second = await openServer()
    await second.sync.handle(post(base('setup', {})))
    for (let index = 0; index < 10; index++) {
      await sql`insert into parents (id, label) values (${`other${index}`}, null)`.execute(second.storage.db)
    }
    const replaced = connectSyncClient(storage, setup, second.sync)
    expect((await replaced.sync()).state).toBe('idle')
    const select = 'select id from parents order by id'
    expect(await quoted(storage, select)).toEqual(await quoted(second.storage, select))
  })
})

describe('sync limits that stay', () => {
  // Known limit: before applying a pull the client undoes its optimistic writes from an undo log kept
  // only on the synced tables, then runs its pending mutations again. A mutator that also writes a
  // table outside `tables` writes it again at every sync while its mutation is pending. docs/sync.md
  // asks mutators to write synced tables only.
  it.skip('writes a table outside the synced ones once, however often a pending mutation is replayed', async () => {
    const server = await openServer()
    const storage = await clientHarness.open<any>()
    await storage.migrate(migrations)
    await sql`create table audit (id integer primary key autoincrement, note text)`.execute(storage.db)
    const audited = defineMutators({
      ...mutators,
      async audit(db: Kysely<any>, args: { note: string }) {
        await db.insertInto('audit').values({ note: args.note }).execute()
      },
    })
    // A proxy that loses the pushed mutations: the mutation stays pending across syncs.
    const client = createSyncClient({
      storage,
      mutators: audited,
      endpoint: ENDPOINT,
      tables,
      fetch: async (request) => {
        const body = await request.json()
        return server.sync.handle(post({ ...body, mutations: [] }))
      },
    })
    await client.mutate.audit({ note: 'once' })
    await client.sync()
    await client.sync()
    expect(await quoted(storage, 'select count(*) as n from audit')).toEqual([{ n: 1 }])
  })
})

describe('sync with a client id another database uses', () => {
  it('keeps its outbox when the server has finished mutations this client never made', async () => {
    const server = await openServer()
    const { storage, client } = await openClient(server.sync)
    expect((await client.sync()).state).toBe('idle')
    const [{ client_id: clientId }] = (await quoted(storage, 'select client_id from _sync_state')) as [
      { client_id: string },
    ]
    // Someone else (a copied browser profile, or an attacker who learnt the id) pushes as this client.
    await server.sync.handle(
      post(base(clientId, { mutations: [{ id: 1_000_000, name: 'addParent', args: { id: 'intruder' } }] })),
    )
    await client.mutate.addParent({ id: 'mine' })
    const status = await client.sync()
    expect(status.state).toBe('error')
    expect(status.pending).toBe(1)
    expect(await quoted(storage, 'select name, args from _sync_outbox')).toEqual([
      { name: 'addParent', args: JSON.stringify({ id: 'mine' }) },
    ])
    expect(await quoted(storage, 'select id from parents order by id')).toEqual([{ id: 'mine' }])
  })
})
