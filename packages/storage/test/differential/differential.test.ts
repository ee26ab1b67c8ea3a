import fc from 'fast-check'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { commandSequence } from './commands.js'
import { expectSameOutcomes } from './runner.js'
import { type DifferentialTarget, openTargets } from './targets.js'

// A bounded run by default; `pnpm test:differential:long` raises it. A failure prints its seed
// and path; DIFFERENTIAL_SEED and DIFFERENTIAL_PATH replay exactly that case.
const runs = Number(process.env.DIFFERENTIAL_RUNS ?? 30)
const seed = process.env.DIFFERENTIAL_SEED === undefined ? undefined : Number(process.env.DIFFERENTIAL_SEED)
const path = process.env.DIFFERENTIAL_PATH

describe('differential: every adapter gives the reference adapter’s results and errors, step by step', () => {
  let targets: DifferentialTarget[] = []

  // Opening every adapter at once (Miniflare, WASM SQLite) takes seconds, more while other test
  // files spawn processes (the sqlite multi-process tests): more than the default hook timeout.
  beforeAll(async () => {
    targets = await openTargets()
  }, 60_000)

  afterAll(async () => {
    await Promise.all(targets.map((target) => target.dispose()))
  })

  it(
    `agrees on ${runs} random operation sequences`,
    async () => {
      await fc.assert(
        fc.asyncProperty(commandSequence, (commands) => expectSameOutcomes(targets, commands)),
        {
          numRuns: runs,
          ...(seed === undefined ? {} : { seed }),
          ...(path === undefined ? {} : { path, endOnFailure: true }),
        },
      )
    },
    Math.max(60_000, runs * 3_000),
  )
})
