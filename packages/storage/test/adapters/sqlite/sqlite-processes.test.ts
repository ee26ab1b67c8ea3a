import { spawn } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorage, StorageError } from '../../../src/index.js'
import { sqliteAdapter } from '../../../src/sqlite.js'
import { tempDir } from '../../support/temp-dir.js'
import { processMigrations } from './process-worker.js'

const dir = tempDir('sqlite-processes')
afterAll(() => dir.remove())
let files = 0
const newFile = () => join(dir.path, `shared-${++files}.sqlite`)

/** Runs the worker in `count` processes started together; resolves with each one's exit code and output. */
async function runTogether(
  count: number,
  args: (string | number)[],
): Promise<{ code: number | null; output: string }[]> {
  const children = Array.from({ length: count }, () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'process-worker.ts'), ...args.map(String)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    )
    let output = ''
    child.stdout.setEncoding('utf8')
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk
        if (output.startsWith('ready\n')) resolve()
      })
    })
    const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', (code) => resolve({ code, output: output.slice('ready\n'.length).trim() }))
    })
    return { child, ready, exited }
  })
  // Starting node with tsx takes a while: start the work only once every process waits for it.
  await Promise.all(children.map(({ ready }) => ready))
  for (const { child } of children) child.stdin.end('go\n')
  return Promise.all(children.map(({ exited }) => exited))
}

describe('sqlite: several processes on one file', () => {
  it('lets four processes migrate one new file at once: all succeed, each migration applied once', async () => {
    for (let round = 0; round < 2; round++) {
      const filename = newFile()
      const results = await runTogether(4, ['migrate', filename])
      expect(results.map((result) => result.output).filter((output) => output.includes('failed'))).toEqual([])
      expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0])
      const reports = results.map((result) => JSON.parse(result.output) as { applied: string[] })
      const applied = reports.flatMap((report) => report.applied).sort()
      expect(applied).toEqual(Object.keys(processMigrations).sort())
      const database = new Database(filename, { readonly: true })
      const runs = database.prepare('select migration from runs order by migration').all()
      database.close()
      expect(runs).toEqual(Object.keys(processMigrations).map((migration) => ({ migration })))
    }
  }, 60_000)

  it('runs transactions that read before they write in several processes without one failing', async () => {
    const filename = newFile()
    const setup = await createStorage({ adapters: sqliteAdapter({ filename }) })
    await setup.migrate(processMigrations)
    await setup.close()
    const results = await runTogether(3, ['increment', filename, 150])
    expect(results.map((result) => result.output)).toEqual(['done', 'done', 'done'])
    const database = new Database(filename, { readonly: true })
    expect(database.prepare('select value from counter').get()).toEqual({ value: 450 })
    database.close()
  }, 60_000)

  it('waits for a lock another process holds while opening, instead of failing at once', async () => {
    const filename = newFile()
    const setup = await createStorage({ adapters: sqliteAdapter({ filename }) })
    await setup.migrate(processMigrations)
    await setup.close()
    // A rollback-journal exclusive lock, as another program (or an older process) may hold.
    const holder = new Database(filename)
    holder.pragma('journal_mode = delete')
    holder.exec('begin exclusive')
    const released = new Promise((resolve) => setTimeout(resolve, 300)).then(() => holder.exec('commit'))
    const started = Date.now()
    const storage = await createStorage<any>({ adapters: sqliteAdapter({ filename }) })
    const rows = await storage.db.selectFrom('runs').select('migration').execute()
    await released
    expect(rows).toHaveLength(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await storage.close()
    holder.close()
  })
})

describe('sqlite: two providers of one process on one file', () => {
  /** Counts event-loop turns while `run` is under way: a synchronous wait lets none through. */
  async function countingTicks<T>(run: () => Promise<T>): Promise<{ result: T | unknown; ticks: number }> {
    let ticks = 0
    const timer = setInterval(() => ticks++, 10)
    try {
      const result = await run().catch((error: unknown) => error)
      return { result, ticks }
    } finally {
      clearInterval(timer)
    }
  }

  it('waits for the other provider’s transaction without blocking the event loop', async () => {
    const filename = newFile()
    const first = await createStorage<any>({ adapters: sqliteAdapter({ filename }) })
    await first.migrate(processMigrations)
    const second = await createStorage<any>({ adapters: sqliteAdapter({ filename }) })
    let release: () => void = () => undefined
    const holding = first.transaction(async (trx) => {
      await trx.updateTable('counter').set({ value: 10 }).execute()
      await new Promise<void>((resolve) => {
        release = resolve
        setTimeout(resolve, 300)
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const started = Date.now()
    const { result, ticks } = await countingTicks(() =>
      second.db
        .updateTable('counter')
        .set((eb) => ({ value: eb('value', '+', 1) }))
        .execute(),
    )
    await holding
    expect(result).not.toBeInstanceOf(Error)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(ticks).toBeGreaterThanOrEqual(10)
    expect((await sql<{ value: number }>`select value from counter`.execute(first.db)).rows).toEqual([{ value: 11 }])
    release()
    await first.close()
    await second.close()
  })

  it('gives up after busyTimeout with STORAGE_BUSY, keeping the event loop free meanwhile', async () => {
    const filename = newFile()
    const first = await createStorage<any>({ adapters: sqliteAdapter({ filename }) })
    await first.migrate(processMigrations)
    const second = await createStorage<any>({ adapters: sqliteAdapter({ filename, busyTimeout: 300 }) })
    let release: () => void = () => undefined
    const holding = first.transaction(async (trx) => {
      await trx.updateTable('counter').set({ value: 10 }).execute()
      await new Promise<void>((resolve) => {
        release = resolve
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const started = Date.now()
    const { result, ticks } = await countingTicks(() =>
      second.db.insertInto('runs').values({ migration: 'x' }).execute(),
    )
    const waited = Date.now() - started
    release()
    await holding
    expect(result).toBeInstanceOf(StorageError)
    expect(result).toMatchObject({ code: 'STORAGE_BUSY', adapter: 'sqlite' })
    expect((result as Error).message).toContain('300 ms')
    expect(waited).toBeGreaterThanOrEqual(280)
    expect(waited).toBeLessThan(2000)
    expect(ticks).toBeGreaterThanOrEqual(10)
    expect((await sql`select * from runs where migration = 'x'`.execute(first.db)).rows).toEqual([])
    await first.close()
    await second.close()
  })
})
