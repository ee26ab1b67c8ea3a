import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { autoAdapters } from '../../src/auto/node.js'
import { createStorage } from '../../src/index.js'
import { tempDir } from '../support/temp-dir.js'

const dirs: { remove: () => void }[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

describe('autoAdapters in Node', () => {
  it('opens SQLite on <directory>/<name>.sqlite, creating the directory', async () => {
    const dir = tempDir('auto')
    dirs.push(dir)
    const directory = join(dir.path, 'nested', 'data')
    let chosen: unknown
    const storage = await createStorage({
      adapters: autoAdapters({ name: 'inventory', directory }),
      onSelect: (selection) => {
        chosen = selection
      },
    })
    expect(chosen).toEqual({ adapter: 'sqlite', skipped: [] })
    expect(storage.capabilities.persistent).toBe(true)
    await storage.close()
    expect(existsSync(join(directory, 'inventory.sqlite'))).toBe(true)
  })

  it('defaults to .data/<name>.sqlite under the working directory', async () => {
    const dir = tempDir('auto-cwd')
    dirs.push(dir)
    const cwd = process.cwd()
    process.chdir(dir.path)
    try {
      const storage = await createStorage({ adapters: autoAdapters({ name: 'shop' }) })
      await storage.close()
    } finally {
      process.chdir(cwd)
    }
    expect(existsSync(join(dir.path, '.data', 'shop.sqlite'))).toBe(true)
  })

  it('creates nothing until the adapter is opened', () => {
    const dir = tempDir('auto-lazy')
    dirs.push(dir)
    autoAdapters({ name: 'later', directory: join(dir.path, 'unused') })
    expect(existsSync(join(dir.path, 'unused'))).toBe(false)
  })
})
