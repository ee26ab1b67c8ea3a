// Fails on broken relative links: in the README and guides (links to files and headings) and in
// the generated API site (every href and src must name a file that exists).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const site = join(repoRoot, 'docs', 'api')
const broken = []

function walk(dir, keep) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path, keep) : keep(name) ? [path] : []
  })
}

const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]+/g, '')
    .replace(/ /g, '-')

for (const file of [join(repoRoot, 'README.md'), ...walk(join(repoRoot, 'docs'), (name) => name.endsWith('.md'))]) {
  if (file.startsWith(site)) continue
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue
    const [path, anchor] = target.split('#')
    const resolved = path ? join(dirname(file), path) : file
    if (!existsSync(resolved)) {
      if (!resolved.startsWith(site)) broken.push(`${relative(repoRoot, file)}: ${target}`)
      continue
    }
    if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
      const headings = [...readFileSync(resolved, 'utf8').matchAll(/^#+ (.*)$/gm)].map((match) => slug(match[1]))
      if (!headings.includes(anchor)) broken.push(`${relative(repoRoot, file)}: ${target} (no such heading)`)
    }
  }
}

if (existsSync(site)) {
  for (const file of walk(site, (name) => name.endsWith('.html'))) {
    const html = readFileSync(file, 'utf8')
    for (const [, target] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
      if (/^(?:[a-z]+:|#|\/\/)/i.test(target)) continue
      const path = decodeURIComponent(target.split('#')[0].split('?')[0])
      if (path && !existsSync(join(dirname(file), path))) broken.push(`${relative(repoRoot, file)}: ${target}`)
    }
  }
}

if (broken.length > 0) {
  console.error(`broken links:\n  ${broken.join('\n  ')}`)
  process.exit(1)
}
console.log('links: none broken')
