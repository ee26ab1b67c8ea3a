// Type-checks every ```ts example in the README and docs/ against the package's source, so the
// guides cannot drift from the API. Each block becomes its own module; names a guide leaves to
// the reader (a schema, a D1 binding, migrations) are declared once in doc-examples.d.ts.
// A block whose first line is `// not checked: <reason>` is skipped.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const repoRoot = join(packageRoot, '..', '..')
const outDir = join(packageRoot, 'node_modules', '.doc-examples')

function markdownFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'api' ? [] : markdownFiles(path)
    return name.endsWith('.md') ? [path] : []
  })
}

rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const guidesDir = join(outDir, 'guides')
mkdirSync(guidesDir)
const files = []
for (const markdown of [join(repoRoot, 'README.md'), ...markdownFiles(join(repoRoot, 'docs'))]) {
  const text = readFileSync(markdown, 'utf8')
  let index = 0
  for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = match[1]
    if (code.startsWith('// not checked:')) continue
    const line = text.slice(0, match.index).split('\n').length + 1
    const name = `${relative(repoRoot, markdown).replace(/[^a-z0-9]+/gi, '_')}_${++index}.ts`
    writeFileSync(join(guidesDir, name), `// ${relative(repoRoot, markdown)}:${line}\n${code}\nexport {}\n`)
    files.push(name)
  }
}
writeFileSync(
  join(outDir, 'doc-examples.d.ts'),
  readFileSync(join(packageRoot, 'scripts', 'doc-examples.d.ts'), 'utf8'),
)
// Guides may import the reader's own migrations module (`../src/migrations.js`).
mkdirSync(join(outDir, 'src'))
writeFileSync(
  join(outDir, 'src', 'migrations.ts'),
  "import type { Migration } from 'kysely'\nexport const migrations: Record<string, Migration> = {}\n",
)
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: {
      noEmit: true,
      noUnusedLocals: false,
      module: 'esnext',
      moduleResolution: 'bundler',
      baseUrl: '.',
      paths: { '@inventory/storage': ['../../src/index.ts'], '@inventory/storage/*': ['../../src/*.ts'] },
    },
    include: ['*.ts', 'guides/*.ts', 'src/*.ts'],
  }),
)
try {
  execFileSync(join(packageRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(outDir, 'tsconfig.json')], {
    stdio: 'pipe',
    encoding: 'utf8',
  })
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`
  // Point each error at the guide it came from.
  const located = output.replace(/^(?:[^\s(]*\/)?([\w.]+\.ts)\((\d+),(\d+)\)/gm, (whole, file, row) => {
    const origin = readFileSync(join(guidesDir, file), 'utf8').split('\n', 1)[0].slice(3)
    const [path, start] = origin.split(':')
    return `${path}:${Number(start) + Number(row) - 2} (${whole})`
  })
  console.error(`documentation examples do not type-check:\n${located}`)
  process.exit(1)
}
console.log(`doc examples: ${files.length} TypeScript blocks type-check`)
