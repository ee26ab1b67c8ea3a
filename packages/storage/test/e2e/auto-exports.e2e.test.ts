import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleWorker } from '@inventory/testing/worker-bundle'
import { Miniflare } from 'miniflare'
import { build as viteBuild } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/temp-dir.js'

const packageRoot = fileURLToPath(new URL('../..', import.meta.url))
const project = tempDir('auto-exports')

/**
 * `@inventory/storage/auto` as an application resolves it: the package is built, then linked into
 * a scratch project's node_modules, so its conditional exports pick the build for each runtime.
 */
beforeAll(() => {
  execFileSync('pnpm', ['run', 'build'], { cwd: packageRoot, stdio: 'pipe' })
  mkdirSync(join(project.path, 'node_modules', '@inventory'), { recursive: true })
  symlinkSync(packageRoot, join(project.path, 'node_modules', '@inventory', 'storage'), 'dir')
  writeFileSync(join(project.path, 'package.json'), JSON.stringify({ name: 'auto-app', private: true, type: 'module' }))
}, 120_000)

afterAll(() => project.remove())

describe('@inventory/storage/auto in a browser bundle built with Vite', () => {
  it('contains the browser adapters and no better-sqlite3, no D1 code and no Node built-ins', async () => {
    writeFileSync(
      join(project.path, 'index.html'),
      '<!doctype html><html><head><script type="module" src="./main.js"></script></head><body></body></html>',
    )
    writeFileSync(
      join(project.path, 'main.js'),
      "import { createStorage } from '@inventory/storage'\nimport { autoAdapters } from '@inventory/storage/auto'\n" +
        "globalThis.storage = createStorage({ adapters: autoAdapters({ name: 'app' }), onSelect: console.info })\n",
    )
    const outDir = join(project.path, 'dist')
    await viteBuild({ root: project.path, configFile: false, logLevel: 'error', build: { outDir } })
    const code = readdirSync(join(outDir, 'assets'))
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(outDir, 'assets', file), 'utf8'))
      .join('\n')
    // A production build, as an application ships it (comments, such as Kysely's examples, removed).
    // The browser adapters are there...
    expect(code).toContain('@inventory/storage:probe')
    expect(code).toContain('localStorage refused a probe write')
    // ...and nothing of the other runtimes.
    expect(code).not.toMatch(/better-sqlite3/)
    expect(code).not.toMatch(/kysely-d1|D1_ERROR|d1Adapter|_cf_/)
    expect(code).not.toMatch(/from\s*["'](node:)?(fs|path|os|child_process)["']|require\(["'](node:)?fs["']/)
    expect(code).not.toMatch(/mkdirSync/)
  }, 60_000)
})

describe('@inventory/storage/auto inside workerd', () => {
  let miniflare: Miniflare | undefined

  afterAll(() => miniflare?.dispose())

  it('chooses d1 with the binding, and without it fails with an error saying what to pass', async () => {
    writeFileSync(
      join(project.path, 'worker.js'),
      `import { createStorage } from '@inventory/storage'
import { autoAdapters } from '@inventory/storage/auto'
export default {
  async fetch(_request, env) {
    const storage = await createStorage({ adapters: autoAdapters({ name: 'app', d1: env.DB }) })
    const rows = await storage.db.selectNoFrom((eb) => eb.val(1).as('one')).execute()
    let missing
    try { autoAdapters({ name: 'app' }) } catch (error) { missing = { name: error.name, message: error.message } }
    return Response.json({ adapter: storage.adapter, rows, missing })
  },
}
`,
    )
    const script = await bundleWorker(join(project.path, 'worker.js'))
    expect(script).not.toMatch(/better-sqlite3|sqlite-wasm|indexedDB/)
    miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', d1Databases: ['DB'] })
    const response = await miniflare.dispatchFetch('http://worker.test/')
    expect(await response.json()).toEqual({
      adapter: 'd1',
      rows: [{ one: 1 }],
      missing: {
        name: 'StorageUnavailableError',
        message:
          "[@inventory/storage] [d1] autoAdapters({ name: 'app' }) runs in a Worker but was given no D1 binding: bind a D1 database (for example as DB in wrangler.toml) and pass autoAdapters({ name, d1: env.DB }), or inside a SQLite-backed Durable Object pass autoAdapters({ name, durableObject: ctx.storage })",
      },
    })
  }, 60_000)
})

describe('@inventory/storage/auto in Node', () => {
  it('resolves to the node build: SQLite on a file', () => {
    const names = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        "const { autoAdapters } = await import('@inventory/storage/auto'); console.log(autoAdapters({ name: 'app' }).map((a) => a.name).join())",
      ],
      { cwd: project.path, encoding: 'utf8' },
    )
    expect(names.trim()).toBe('sqlite')
  })
})
