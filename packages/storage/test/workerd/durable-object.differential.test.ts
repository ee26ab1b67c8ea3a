import { describe, expect, inject, it } from 'vitest'
import { describeDifference, runSequence } from '../differential/runner.js'
import { createSchema, type DifferentialDB } from '../differential/schema.js'
import type { DifferentialTarget } from '../differential/targets.js'
import { durableObjectHarness, runEachTestInANewDurableObject } from './durable-object-harness.js'

runEachTestInANewDurableObject()

// The differential run with the durable-object adapter in workerd: the random sequences and the
// reference adapter's outcomes come from Node (differential-reference.ts); DIFFERENTIAL_SEED replays a run.
const reference = inject('differentialReference')

describe('differential: the durable-object adapter gives the reference adapter’s results and errors, step by step', () => {
  it(`agrees on ${reference.sequences.length} random operation sequences (seed ${reference.seed})`, async () => {
    const harness = durableObjectHarness()
    try {
      const target: DifferentialTarget = {
        name: harness.name,
        provider: await harness.open<DifferentialDB>(),
        reopen: async () => {
          target.provider = await (harness.reopen as NonNullable<typeof harness.reopen>)<DifferentialDB>(
            target.provider,
          )
        },
        dispose: () => harness.dispose(),
      }
      await createSchema(target.provider)
      expect(reference.sequences.length).toBeGreaterThan(0)
      for (const { commands, outcomes } of reference.sequences) {
        const difference = describeDifference(commands, outcomes, await runSequence(target, commands), {
          expected: reference.name,
          actual: target.name,
        })
        expect(difference).toBeUndefined()
      }
    } finally {
      await harness.dispose()
    }
  }, 120_000)
})
