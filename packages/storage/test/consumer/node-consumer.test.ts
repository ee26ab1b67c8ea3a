import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsumerProject, createConsumerProject } from './consumer-project.js'

// The same program twice, as ES module and as CommonJS: open the sqlite adapter, migrate, write,
// read, and catch a typed error with instanceof.
const program = (load: string) => `${load}
async function main() {
  const storage = await createStorage({ adapters: sqliteAdapter() })
  await storage.migrate({
    '0001_items': {
      async up(db) {
        await db.schema.createTable('items')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull().unique())
          .execute()
      },
    },
  })
  await storage.db.insertInto('items').values({ id: 1, sku: 'A-1' }).execute()
  let error
  try {
    await storage.db.insertInto('items').values({ id: 2, sku: 'A-1' }).execute()
  } catch (caught) {
    error = caught
  }
  const rows = await storage.db.selectFrom('items').selectAll().execute()
  await storage.close()
  console.log(JSON.stringify({
    adapter: storage.adapter,
    rows,
    unique: error instanceof UniqueConstraintError,
    storageError: error instanceof StorageError,
    table: error && error.table,
    columns: error && error.columns,
  }))
}
main()
`

const typedProgram = (column: string) => `import { createStorage } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'
import type { Generated } from 'kysely'

interface Database {
  items: { id: Generated<number>; sku: string; quantity: number }
}

export async function lowStock(): Promise<{ sku: string }[]> {
  const storage = await createStorage<Database>({ adapters: sqliteAdapter() })
  return storage.db.selectFrom('items').select(['sku']).where('${column}', '<', 5).execute()
}
`

// skipLibCheck off for node16, so that our declaration files are checked too, against a plain
// Node library set (no DOM): a type leaking from a browser adapter would fail here.
const tsconfig = (module: string, moduleResolution: string) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      module,
      moduleResolution,
      target: 'ES2022',
      lib: ['ES2022', 'ESNext.Disposable'],
      types: [],
      skipLibCheck: moduleResolution !== 'node16',
    },
    include: ['src'],
  })

describe('the packed package, installed with npm in a project outside the workspace', () => {
  let project: ConsumerProject

  beforeAll(() => {
    project = createConsumerProject('node', ['kysely@0.28.19', 'better-sqlite3@12.11.1', 'typescript@5.9.3'])
  }, 600_000)

  afterAll(() => project?.remove())

  const expected = {
    adapter: 'sqlite',
    rows: [{ id: 1, sku: 'A-1' }],
    unique: true,
    storageError: true,
    table: 'items',
    columns: ['sku'],
  }

  it('works from an ES module', () => {
    project.write(
      'esm.mjs',
      program(`import { createStorage, StorageError, UniqueConstraintError } from '@inventory/storage'
import { sqliteAdapter } from '@inventory/storage/sqlite'`),
    )
    const { status, output } = project.run('node', ['esm.mjs'])
    expect(status, output).toBe(0)
    expect(JSON.parse(output)).toEqual(expected)
  })

  it('works from CommonJS', () => {
    project.write(
      'cjs.cjs',
      program(`const { createStorage, StorageError, UniqueConstraintError } = require('@inventory/storage')
const { sqliteAdapter } = require('@inventory/storage/sqlite')`),
    )
    const { status, output } = project.run('node', ['cjs.cjs'])
    expect(status, output).toBe(0)
    expect(JSON.parse(output)).toEqual(expected)
  })

  for (const [module, moduleResolution] of [
    ['node16', 'node16'],
    ['esnext', 'bundler'],
  ] as const) {
    it(`type-checks a typed query and rejects a wrong column (moduleResolution ${moduleResolution})`, () => {
      project.write(`tsconfig.${moduleResolution}.json`, tsconfig(module, moduleResolution))
      project.write('src/low-stock.ts', typedProgram('quantity'))
      const good = project.run('npx', ['tsc', '-p', `tsconfig.${moduleResolution}.json`])
      expect(good.output).toBe('')
      expect(good.status).toBe(0)
      project.write('src/low-stock.ts', typedProgram('quantty'))
      const bad = project.run('npx', ['tsc', '-p', `tsconfig.${moduleResolution}.json`])
      expect(bad.status).not.toBe(0)
      expect(bad.output).toMatch(/src\/low-stock\.ts\(\d+,\d+\): error TS\d+: .*quantty/)
    })
  }
})
