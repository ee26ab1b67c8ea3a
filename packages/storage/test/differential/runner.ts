import { StorageError } from '../../src/index.js'
import type { QueryResult } from 'kysely'
import { buildRead, buildWrite, type Command, type WriteCommand } from './commands.js'
import { emptyTables } from './schema.js'
import type { DifferentialTarget } from './targets.js'

/** What one step produced, in a form that compares equal across adapters when behaviour is equal. */
export type Outcome =
  | { ok: unknown }
  | { error: { errorClass: string; code: string; table?: string; columns?: readonly string[] } }

/** Applies `commands` to a freshly reset database, and returns each step's outcome followed by the final contents. */
export async function runSequence(target: DifferentialTarget, commands: readonly Command[]): Promise<Outcome[]> {
  await emptyTables(target.provider)
  const outcomes: Outcome[] = []
  for (const command of commands) outcomes.push(await settle(() => apply(target, command)))
  outcomes.push(await settle(() => contents(target)))
  return outcomes
}

async function apply(target: DifferentialTarget, command: Command): Promise<unknown> {
  const { db } = target.provider
  switch (command.kind) {
    case 'reopen':
      await target.reopen?.()
      return 'reopened'
    case 'batch': {
      const results = await target.provider.batch(command.commands.map((write) => buildWrite(db, write)))
      return results.map((result, index) => withoutStaleInsertId(command.commands[index] as WriteCommand, result))
    }
    case 'selectThings':
    case 'selectThingsWithOwners':
    case 'totalsByOwner':
      return buildRead(db, command).execute()
    default:
      return buildWrite(db, command).execute()
  }
}

/**
 * An update's or delete's `insertId` is SQLite's `last_insert_rowid()`, as with Kysely's SQLite
 * driver: the rowid of whatever the connection inserted last, which a reopen resets. It says
 * nothing about the write, so it is not compared; an insert's is.
 */
function withoutStaleInsertId(command: WriteCommand, result: QueryResult<unknown>): QueryResult<unknown> {
  if (command.kind === 'insertOwners' || command.kind === 'insertThings' || command.kind === 'upsertThing')
    return result
  const { insertId: _stale, ...rest } = result
  return rest
}

async function contents(target: DifferentialTarget): Promise<unknown> {
  const { db } = target.provider
  return {
    owners: await db.selectFrom('owners').selectAll().orderBy('id').execute(),
    things: await db.selectFrom('things').selectAll().orderBy('id').execute(),
  }
}

async function settle(step: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: normalise(await step()) }
  } catch (error) {
    if (!(error instanceof StorageError))
      return { error: { errorClass: describeForeign(error), code: 'NOT_A_STORAGE_ERROR' } }
    const fields = error as StorageError & { table?: string; columns?: readonly string[] }
    return {
      error: {
        errorClass: error.name,
        code: error.code,
        ...(fields.table === undefined ? {} : { table: fields.table }),
        ...(fields.columns === undefined ? {} : { columns: [...fields.columns] }),
      },
    }
  }
}

function describeForeign(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/** Plain data only: bigints as numbers, class instances (Kysely's results) as plain objects, bytes as arrays. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Uint8Array) return { bytes: [...value] }
  if (Array.isArray(value)) return value.map(normalise)
  if (value !== null && typeof value === 'object') {
    const plain: Record<string, unknown> = {}
    for (const [key, field] of Object.entries(value)) if (field !== undefined) plain[key] = normalise(field)
    return plain
  }
  return value
}

/**
 * The first step where `actual` differs from `expected`, described for a person, or `undefined`
 * when both agree at every step.
 */
export function describeDifference(
  commands: readonly Command[],
  expected: readonly Outcome[],
  actual: readonly Outcome[],
  names: { expected: string; actual: string },
): string | undefined {
  for (let step = 0; step < Math.max(expected.length, actual.length); step++) {
    const want = JSON.stringify(expected[step])
    const got = JSON.stringify(actual[step])
    if (want === got) continue
    const what = step < commands.length ? `step ${step + 1} ${JSON.stringify(commands[step])}` : 'final contents'
    return [
      `${names.actual} differs from ${names.expected} at ${what}`,
      `  ${names.expected}: ${want}`,
      `  ${names.actual}: ${got}`,
    ].join('\n')
  }
  return undefined
}

/** Runs `commands` on every target and throws a readable difference at the first step where one disagrees with the first. */
export async function expectSameOutcomes(
  targets: readonly DifferentialTarget[],
  commands: readonly Command[],
): Promise<void> {
  const [reference, ...others] = targets
  if (!reference) throw new Error('no targets to compare')
  const expected = await runSequence(reference, commands)
  for (const target of others) {
    const difference = describeDifference(commands, expected, await runSequence(target, commands), {
      expected: reference.name,
      actual: target.name,
    })
    if (difference) throw new Error(difference)
  }
}
