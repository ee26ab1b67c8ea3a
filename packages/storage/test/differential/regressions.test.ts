import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Command } from './commands.js'
import { expectSameOutcomes, runSequence } from './runner.js'
import { type DifferentialTarget, openTargets } from './targets.js'

// Cases the differential run found, as it shrank them, each with what the reference adapter
// must answer. Every adapter must answer the same.
describe('differential regressions', () => {
  let targets: DifferentialTarget[] = []

  beforeAll(async () => {
    targets = await openTargets()
  })

  afterAll(async () => {
    await Promise.all(targets.map((target) => target.dispose()))
  })

  const reference = () => targets[0] as DifferentialTarget

  it('batch() reports a write with returning and an update alike on every adapter (seed 909472988)', async () => {
    // d1 reported the delete's change count; Kysely's SQLite driver gives a statement that returns
    // rows its rows only.
    const commands: Command[] = [
      {
        kind: 'batch',
        commands: [
          { kind: 'deleteThings', ids: [1] },
          { kind: 'adjustQuantities', ownerId: 1, delta: 0 },
        ],
      },
      { kind: 'adjustQuantities', ownerId: 1, delta: 0 },
    ]
    const outcomes = await runSequence(reference(), commands)
    expect(outcomes[0]).toEqual({
      ok: [{ rows: [] }, { rows: [], numAffectedRows: 0 }],
    })
    expect(outcomes[1]).toEqual({ ok: [{ numUpdatedRows: 0 }] })
    await expectSameOutcomes(targets, commands)
  })

  it('stores an integral real beyond 2^63 unchanged on every adapter (seed -190884323)', async () => {
    // WASM SQLite bound 1e21 as a 64-bit integer, which wrapped to 3875820019684212700.
    const commands: Command[] = [
      { kind: 'insertOwners', rows: [{ id: 5, name: 'ada' }] },
      { kind: 'upsertThing', row: { id: 1, owner_id: 5, label: 'bolt', qty: 0, price: 1e21 } },
    ]
    const outcomes = await runSequence(reference(), commands)
    expect(outcomes[1]).toEqual({ ok: [{ id: 1, qty: 0, price: 1e21 }] })
    await expectSameOutcomes(targets, commands)
  })
})
