// Global setup of vitest.workerd.config.ts, run in Node before the workerd tests: the reference
// half of the differential run. better-sqlite3 cannot run inside workerd, so the random sequences
// are generated and run on the reference adapter, sqlite (memory), here; the test in workerd runs
// the same sequences on the durable-object adapter and compares outcome by outcome.
import fc from 'fast-check'
import type { TestProject } from 'vitest/node'
import { adapterHarnesses } from '../support/adapter-harnesses.js'
import { type Command, commandSequence } from '../differential/commands.js'
import { type Outcome, runSequence } from '../differential/runner.js'
import { createSchema, type DifferentialDB } from '../differential/schema.js'

/** The sequences and what the reference adapter did with each. */
export interface DifferentialReference {
  readonly name: string
  readonly seed: number
  readonly sequences: readonly { readonly commands: readonly Command[]; readonly outcomes: readonly Outcome[] }[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    differentialReference: DifferentialReference
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const runs = Number(process.env.DIFFERENTIAL_RUNS ?? 30)
  const seed =
    process.env.DIFFERENTIAL_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.DIFFERENTIAL_SEED)
  const harness = adapterHarnesses.sqliteMemory()
  const provider = await harness.open<DifferentialDB>()
  await createSchema(provider)
  const target = { name: harness.name, provider, dispose: () => harness.dispose() }
  const sequences = []
  for (const commands of fc.sample(commandSequence, { numRuns: runs, seed })) {
    sequences.push({ commands, outcomes: await runSequence(target, commands) })
  }
  await target.dispose()
  project.provide('differentialReference', { name: harness.name, seed, sequences })
}
