// Measures the gzipped size of each entry point as a bundler would pull it (the entry file plus
// the chunks it imports, recursively; peer dependencies excluded) and fails when one grows past
// its budget in size-budget.json. `--write-readme` also refreshes the table in the README.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const budgets = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'))

function esmTarget(target) {
  if (typeof target === 'string') return target
  const pick = target.import ?? target.default ?? target.browser ?? target.node
  return pick && esmTarget(typeof pick === 'object' && 'default' in pick ? pick.default : pick)
}

function closure(file, seen = new Set()) {
  if (seen.has(file)) return seen
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  for (const [, specifier] of source.matchAll(/(?:from|import)\s*["'](\.\/[^"']+)["']/g)) {
    closure(join(dirname(file), specifier), seen)
  }
  return seen
}

/** Runtime conditions an export may choose its build by; each build is measured on its own. */
const runtimeConditions = ['workerd', 'browser', 'node']

/** The builds of one export: one per runtime condition it names, otherwise just its ESM file. */
function builds(subpath, target) {
  const byRuntime = runtimeConditions.filter((condition) => target && typeof target === 'object' && condition in target)
  if (byRuntime.length === 0) return [[subpath, esmTarget(target)]]
  return byRuntime.map((condition) => [`${subpath} [${condition}]`, esmTarget(target[condition])])
}

const rows = []
let failed = false
for (const [subpath, file] of Object.entries(manifest.exports).flatMap(([key, target]) => builds(key, target))) {
  if (subpath === './package.json') continue
  if (!file) continue
  const files = [...closure(join(root, file))]
  const bytes = files.reduce((sum, path) => sum + gzipSync(readFileSync(path), { level: 9 }).length, 0)
  const budget = budgets[subpath]
  if (budget === undefined) {
    console.error(`size-budget.json has no budget for "${subpath}"`)
    failed = true
  } else if (bytes > budget) {
    console.error(`"${subpath}" is ${bytes} B gzipped, over its budget of ${budget} B`)
    failed = true
  }
  rows.push({ entry: `@inventory/storage${subpath.slice(1)}`, gzip: bytes, budget })
}

const wasm = join(root, 'node_modules/@sqlite.org/sqlite-wasm/dist/sqlite3.wasm')
if (existsSync(wasm) && budgets['sqlite3.wasm']) {
  const bytes = gzipSync(readFileSync(wasm), { level: 9 }).length
  rows.push({ entry: 'sqlite3.wasm (browser adapters)', gzip: bytes, budget: budgets['sqlite3.wasm'] })
  if (bytes > budgets['sqlite3.wasm']) failed = true
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`
console.table(
  rows.map((row) => ({ entry: row.entry, gzipped: kb(row.gzip), budget: row.budget ? kb(row.budget) : '' })),
)

if (process.argv.includes('--write-readme')) {
  const readme = join(root, '..', '..', 'README.md')
  const cells = [
    ['entry point', 'gzipped', 'budget'],
    ...rows.map((row) => [`\`${row.entry}\``, kb(row.gzip), kb(row.budget)]),
  ]
  // Padded as the repository's Markdown formatter pads tables, so the README stays formatted.
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column].length)))
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  const table = [line(cells[0]), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n')
  const text = readFileSync(readme, 'utf8')
  const updated = text.replace(/(<!-- sizes:start -->)[\s\S]*?(<!-- sizes:end -->)/, `$1\n${table}\n$2`)
  writeFileSync(readme, updated)
}
if (failed) process.exit(1)
