// Fails when the package's source or manifest changed since its last release (the last commit
// that changed its version) and no changeset is pending to describe the change.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const git = (...args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim()

let shallow = 'false'
try {
  shallow = git('rev-parse', '--is-shallow-repository')
} catch {
  console.log('changeset check: not a git checkout, skipped')
  process.exit(0)
}
if (shallow === 'true') console.warn('changeset check: shallow clone; history may be incomplete')

// Before the first release (version 0.0.0) every change counts; after it, those since the bump.
const lastVersionChange = git('log', '-1', '--format=%H', '-G', '"version":', '--', 'packages/storage/package.json')
const released =
  lastVersionChange && !git('show', `${lastVersionChange}:packages/storage/package.json`).includes('"version": "0.0.0"')
const range = released ? [`${lastVersionChange}..HEAD`] : []
const changed = git('log', '--format=%h %s', ...range, '--', 'packages/storage/src', 'packages/storage/package.json')
const pending = readdirSync(join(repoRoot, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md')

// A changeset whose front matter is damaged (by a formatter, say) is read as releasing nothing.
const frontMatter = /^---\r?\n(?:\s*['"]?@inventory\/storage['"]?:\s*(?:major|minor|patch)\s*\r?\n)+---\r?\n/
const malformed = pending.filter((name) => !frontMatter.test(readFileSync(join(repoRoot, '.changeset', name), 'utf8')))
if (malformed.length > 0) {
  console.error(
    `these changesets have no valid front matter ("---", '"@inventory/storage": patch|minor|major', "---"): ${malformed.join(', ')}`,
  )
  process.exit(1)
}

if (changed && pending.length === 0) {
  console.error(
    `packages/storage changed since its last release but no changeset is pending:\n${changed}\nRun \`pnpm changeset\` and commit the file it writes.`,
  )
  process.exit(1)
}
console.log(`changeset check: ${pending.length} pending changeset(s) cover the changes since the last release`)
