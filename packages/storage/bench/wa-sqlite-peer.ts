/**
 * The peer of the IndexedDB adapter in the browser benchmarks: wa-sqlite's asynchronous build with
 * its IDBBatchAtomicVFS, which keeps SQLite's pages in IndexedDB and reads them on demand. Used as
 * its documentation shows, with prepared statements throughout, so the comparison is with the peer
 * at its fastest.
 */
import * as SQLite from '@journeyapps/wa-sqlite'
import SQLiteAsyncModule from '@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs'
import { IDBBatchAtomicVFS } from '@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js'

/** A value wa-sqlite binds. */
type SQLiteCompatibleType = number | string | Uint8Array | bigint | null

type SqliteApi = ReturnType<typeof SQLite.Factory>

/** The part of IDBBatchAtomicVFS used here (its published typings describe an older version). */
interface BatchAtomicVfs {
  readonly name: string
  close(): void
}

/** How a commit resolves: `'strict'` (`synchronous = full`) or `'relaxed'` (`synchronous = normal`). */
export type PeerDurability = 'strict' | 'relaxed'

let api: Promise<{ sqlite3: SqliteApi; module: unknown }> | undefined

function loadApi(): Promise<{ sqlite3: SqliteApi; module: unknown }> {
  api ??= SQLiteAsyncModule().then((module) => ({ sqlite3: SQLite.Factory(module), module }))
  return api
}

/** One wa-sqlite database in IndexedDB, through its own IDBBatchAtomicVFS instance. */
export class WaSqliteDatabase {
  readonly #sqlite3: SqliteApi
  readonly #vfs: BatchAtomicVfs
  readonly #db: number
  readonly #statements = new Map<string, number>()

  private constructor(sqlite3: SqliteApi, vfs: BatchAtomicVfs, db: number) {
    this.#sqlite3 = sqlite3
    this.#vfs = vfs
    this.#db = db
  }

  /**
   * Opens (or creates) the database `name`, in an IndexedDB database of the same name.
   *
   * @param name - the database and IndexedDB name
   * @param durability - when a commit resolves
   */
  static async open(name: string, durability: PeerDurability = 'strict'): Promise<WaSqliteDatabase> {
    const { sqlite3, module } = await loadApi()
    const create = (
      IDBBatchAtomicVFS as unknown as {
        create(name: string, module: unknown, options: { idbName: string }): Promise<BatchAtomicVfs>
      }
    ).create
    // A VFS name of its own for each open (names are registered for good), the same IndexedDB database.
    const vfs = await create.call(IDBBatchAtomicVFS, `${name}-vfs-${++vfsCount}`, module, { idbName: name })
    sqlite3.vfs_register(vfs as never, false)
    const db = await sqlite3.open_v2(name, undefined, vfs.name)
    const database = new WaSqliteDatabase(sqlite3, vfs, db)
    await database.exec(`pragma synchronous = ${durability === 'strict' ? 'full' : 'normal'}`)
    return database
  }

  /** Runs SQL without parameters. */
  async exec(sql: string): Promise<void> {
    await this.#sqlite3.exec(this.#db, sql)
  }

  /** Runs one statement, prepared once and kept, with `values`; returns its rows. */
  async run(sql: string, values: readonly SQLiteCompatibleType[] = []): Promise<unknown[][]> {
    const sqlite3 = this.#sqlite3
    const statement = await this.#prepared(sql)
    if (values.length > 0) sqlite3.bind_collection(statement, values as SQLiteCompatibleType[])
    const rows: unknown[][] = []
    try {
      while ((await sqlite3.step(statement)) === SQLite.SQLITE_ROW) rows.push(sqlite3.row(statement))
    } finally {
      await sqlite3.reset(statement)
    }
    return rows
  }

  async close(): Promise<void> {
    for (const statement of this.#statements.values()) await this.#sqlite3.finalize(statement)
    await this.#sqlite3.close(this.#db)
    this.#vfs.close()
  }

  async #prepared(sql: string): Promise<number> {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      for await (const prepared of this.#sqlite3.statements(this.#db, sql, { unscoped: true })) {
        statement = prepared
        break
      }
      if (statement === undefined) throw new Error(`no statement in ${sql}`)
      this.#statements.set(sql, statement)
    }
    return statement
  }
}

let vfsCount = 0
