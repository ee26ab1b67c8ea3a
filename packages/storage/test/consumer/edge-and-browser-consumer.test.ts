import { createServer, type Server } from 'node:http'
import { readdirSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumLaunchOptions } from '@inventory/testing/chromium'
import { workerBundleFlags } from '@inventory/testing/worker-bundle'
import { type ConsumerProject, createConsumerProject } from './consumer-project.js'

const migration = `{
  '0001_notes': {
    async up(db) {
      await db.schema.createTable('notes')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('text', 'text', (c) => c.notNull().unique())
        .execute()
    },
  },
}`

// Migrate, write, read and catch a typed error through a D1 binding; prints what it saw.
const useStorage = `async function useStorage(database) {
  const storage = await createStorage({ adapters: d1Adapter({ database }) })
  const report = await storage.migrate(${migration})
  await storage.db.insertInto('notes').values({ id: 1, text: 'first' }).execute()
  let unique = false
  try {
    await storage.db.insertInto('notes').values({ id: 2, text: 'first' }).execute()
  } catch (error) {
    unique = error instanceof UniqueConstraintError && error.table === 'notes'
  }
  const rows = await storage.db.selectFrom('notes').selectAll().execute()
  await storage.close()
  return { adapter: storage.adapter, applied: report.applied, rows, unique }
}`

const expected = { adapter: 'd1', applied: ['0001_notes'], rows: [{ id: 1, text: 'first' }], unique: true }

describe('the packed package at the edge and in the browser, installed with npm outside the workspace', () => {
  let project: ConsumerProject

  beforeAll(() => {
    project = createConsumerProject('edge-browser', [
      'kysely@0.28.19',
      'kysely-d1@0.4.0',
      'miniflare@4.20260426.0',
      'esbuild@0.28.2',
      'vite@8.3.8',
      '@sqlite.org/sqlite-wasm@3.54.1-build1',
    ])
  }, 900_000)

  afterAll(() => project?.remove())

  it('opens the d1 adapter on Miniflare’s D1 from Node', () => {
    project.write(
      'd1.mjs',
      `import { Miniflare } from 'miniflare'
import { createStorage, UniqueConstraintError } from '@inventory/storage'
import { d1Adapter } from '@inventory/storage/d1'
${useStorage}
const miniflare = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', d1Databases: ['DB'] })
console.log(JSON.stringify(await useStorage(await miniflare.getD1Database('DB'))))
await miniflare.dispose()
`,
    )
    const { status, output } = project.run('node', ['d1.mjs'])
    expect(status, output).toBe(0)
    expect(JSON.parse(output.trim().split('\n').pop() ?? '')).toEqual(expected)
  })

  it('bundles into a Worker that runs in workerd, without better-sqlite3 or Node built-ins', () => {
    project.write(
      'worker.mjs',
      `import { createStorage, UniqueConstraintError } from '@inventory/storage'
import { d1Adapter } from '@inventory/storage/d1'
${useStorage}
export default {
  async fetch(request, env) {
    return Response.json(await useStorage(env.DB))
  },
}
`,
    )
    const bundle = project.run('npx', [
      'esbuild',
      'worker.mjs',
      ...workerBundleFlags,
      '--outfile=worker-dist/worker.js',
    ])
    expect(bundle.status, bundle.output).toBe(0)
    const code = readFileSync(join(project.path, 'worker-dist/worker.js'), 'utf8')
    expect(code).not.toMatch(/better-sqlite3|from ["']node:|require\(["']node:/)
    project.write(
      'run-worker.mjs',
      `import { Miniflare } from 'miniflare'
const miniflare = new Miniflare({ modules: true, scriptPath: 'worker-dist/worker.js', d1Databases: ['DB'], compatibilityDate: '2025-09-01' })
const response = await miniflare.dispatchFetch('http://worker/')
console.log(await response.text())
await miniflare.dispose()
`,
    )
    const { status, output } = project.run('node', ['run-worker.mjs'])
    expect(status, output).toBe(0)
    expect(JSON.parse(output.trim().split('\n').pop() ?? '')).toEqual(expected)
  })

  it('bundles into a Worker whose SQLite-backed Durable Object runs the durable-object adapter in workerd', () => {
    project.write(
      'object-worker.mjs',
      `import { DurableObject } from 'cloudflare:workers'
import { createStorage, UniqueConstraintError } from '@inventory/storage'
import { durableObjectAdapter } from '@inventory/storage/durable-object'

export class Notes extends DurableObject {
  async fetch() {
    const storage = await createStorage({ adapters: durableObjectAdapter({ storage: this.ctx.storage }) })
    const report = await storage.migrate(${migration})
    const kept = await storage.transaction(async (trx) => {
      await trx.insertInto('notes').values({ id: 1, text: 'first' }).execute()
      const row = await trx.selectFrom('notes').select('text').where('id', '=', 1).executeTakeFirstOrThrow()
      return row.text
    })
    let unique = false
    try {
      await storage.transaction((trx) => trx.insertInto('notes').values({ id: 2, text: 'first' }).execute())
    } catch (error) {
      unique = error instanceof UniqueConstraintError && error.table === 'notes'
    }
    const rows = await storage.db.selectFrom('notes').selectAll().execute()
    await storage.close()
    return Response.json({ adapter: storage.adapter, applied: report.applied, rows, unique, kept })
  }
}

export default {
  fetch(request, env) {
    return env.NOTES.get(env.NOTES.idFromName('notes')).fetch(request)
  },
}
`,
    )
    const bundle = project.run('npx', [
      'esbuild',
      'object-worker.mjs',
      ...workerBundleFlags,
      '--external:cloudflare:*',
      '--outfile=object-dist/worker.js',
    ])
    expect(bundle.status, bundle.output).toBe(0)
    const code = readFileSync(join(project.path, 'object-dist/worker.js'), 'utf8')
    expect(code).not.toMatch(/better-sqlite3|kysely-d1|from ["']node:|require\(["']node:/)
    project.write(
      'run-object-worker.mjs',
      `import { Miniflare } from 'miniflare'
const miniflare = new Miniflare({
  modules: true,
  scriptPath: 'object-dist/worker.js',
  durableObjects: { NOTES: { className: 'Notes', useSQLite: true } },
  compatibilityDate: '2025-09-01',
})
const response = await miniflare.dispatchFetch('http://worker/')
console.log(await response.text())
await miniflare.dispose()
`,
    )
    const { status, output } = project.run('node', ['run-object-worker.mjs'])
    expect(status, output).toBe(0)
    expect(JSON.parse(output.trim().split('\n').pop() ?? '')).toEqual({
      ...expected,
      adapter: 'durable-object',
      kept: 'first',
    })
  })

  it('builds with Vite for the browser and keeps data across a reload in Chromium', async () => {
    project.write('index.html', '<!doctype html><title>notes</title><script type="module" src="/main.js"></script>\n')
    project.write(
      'main.js',
      `import { createStorage } from '@inventory/storage'
import { indexedDbAdapter } from '@inventory/storage/indexeddb'

globalThis.notes = (async () => {
  const storage = await createStorage({ adapters: indexedDbAdapter({ name: 'consumer-notes' }) })
  await storage.migrate(${migration})
  return {
    add: (text) => storage.db.insertInto('notes').values({ text }).execute(),
    list: async () => (await storage.db.selectFrom('notes').select('text').orderBy('id').execute()).map((row) => row.text),
  }
})()
`,
    )
    const build = project.run('npx', ['vite', 'build', '--logLevel', 'error'])
    expect(build.status, build.output).toBe(0)
    const dist = join(project.path, 'dist')
    const assets = readdirSync(join(dist, 'assets'))
    expect(assets.some((file) => file.endsWith('.wasm'))).toBe(true)
    for (const file of assets.filter((name) => name.endsWith('.js'))) {
      expect(readFileSync(join(dist, 'assets', file), 'utf8')).not.toMatch(/better-sqlite3|kysely-d1|from ["']node:/)
    }

    const server = await serveStatic(dist)
    const browser = await chromium.launch(chromiumLaunchOptions())
    try {
      const page = await browser.newPage()
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      await page.goto(url)
      await page.evaluate(async () => {
        const notes = await (globalThis as unknown as { notes: Promise<{ add(text: string): Promise<void> }> }).notes
        await notes.add('kept across a reload')
      })
      await page.reload()
      const after = await page.evaluate(async () => {
        const notes = await (globalThis as unknown as { notes: Promise<{ list(): Promise<string[]> }> }).notes
        return notes.list()
      })
      expect(after).toEqual(['kept across a reload'])
    } finally {
      await browser.close()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

const contentTypes: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
}

/** Serves a built site from a directory on a free loopback port, as a static host would. */
function serveStatic(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    )
    try {
      const body = readFileSync(join(root, path.endsWith('/') ? `${path}index.html` : path))
      response.writeHead(200, { 'content-type': contentTypes[extname(path) || '.html'] ?? 'application/octet-stream' })
      response.end(body)
    } catch {
      response.writeHead(404).end()
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
