// Fails the build when the package.json `exports` map and the built files disagree: every export
// must point at a file that exists, and every built entry point must be exported.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const problems = []

const exported = new Set()
function collect(target, where) {
  if (typeof target === 'string') {
    exported.add(target.replace(/^\.\//, ''))
    if (!existsSync(join(root, target))) problems.push(`${where} points to missing ${target}`)
  } else if (target && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) collect(value, `${where} [${condition}]`)
  }
}
for (const [subpath, target] of Object.entries(manifest.exports)) collect(target, `exports["${subpath}"]`)
for (const field of ['main', 'module', 'types']) if (manifest[field]) collect(manifest[field], field)

const entryFile = /^[a-z0-9-]+\.(?:js|cjs|d\.ts|d\.cts)$/
for (const file of readdirSync(join(root, 'dist'))) {
  if (entryFile.test(file) && !file.startsWith('chunk-') && !exported.has(`dist/${file}`)) {
    problems.push(`dist/${file} is built but not exported`)
  }
}

if (problems.length > 0) {
  console.error(`exports check failed:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`exports check: ${exported.size} targets, all built and all exported`)
