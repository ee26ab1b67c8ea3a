import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../support/temp-dir.js'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** A scratch project outside the workspace with the packed package installed by plain npm. */
export interface ConsumerProject {
  readonly path: string
  write(file: string, content: string): void
  run(command: string, args: readonly string[]): { status: number; output: string }
  remove(): void
}

/**
 * Packs `@inventory/storage` as it would be published and installs the tarball, with the given
 * extra dependencies, into a fresh directory with `npm install`, as a user would.
 */
export function createConsumerProject(name: string, dependencies: readonly string[]): ConsumerProject {
  const dir = tempDir(`consumer-${name}`)
  const packDir = join(dir.path, 'pack')
  mkdirSync(packDir)
  execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: packageRoot, stdio: 'pipe' })
  const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'))
  if (!tarball) throw new Error('pnpm pack produced no tarball')
  const path = join(dir.path, 'project')
  mkdirSync(path)
  writeFileSync(join(path, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }, null, 2))
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', join(packDir, tarball), ...dependencies],
    {
      cwd: path,
      stdio: 'pipe',
    },
  )
  return {
    path,
    write(file, content) {
      mkdirSync(dirname(join(path, file)), { recursive: true })
      writeFileSync(join(path, file), content)
    },
    run(command, args) {
      try {
        const output = execFileSync(command, args, { cwd: path, stdio: 'pipe', encoding: 'utf8' })
        return { status: 0, output }
      } catch (error) {
        const failure = error as { status?: number; stdout?: string; stderr?: string }
        return { status: failure.status ?? 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` }
      }
    },
    remove: dir.remove,
  }
}
