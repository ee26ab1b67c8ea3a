import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// `pnpm test` builds the three sites before running the tests.
const assets = (outDir: string) => readdirSync(new URL(`../${outDir}/assets/`, import.meta.url))

describe('build output', () => {
  it.each(['dist-browser-only', 'dist-offline-first'])(
    'ships the site of %s with SQLite and its .wasm, without sqlite-wasm’s unused workers',
    (outDir) => {
      const files = assets(outDir)
      expect(files.filter((file) => file.endsWith('.wasm'))).toHaveLength(1)
      expect(files.filter((file) => /sqlite3-(?:worker1|opfs-async-proxy)/.test(file))).toEqual([])
      expect(files.filter((file) => file.endsWith('.js')).length).toBeGreaterThan(0)
    },
  )

  it('keeps SQLite out of the site that talks to a server', () => {
    expect(assets('dist').filter((file) => file.includes('sqlite3'))).toEqual([])
  })
})
