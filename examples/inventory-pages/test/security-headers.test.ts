import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SITE_HEADERS } from '../src/server/security-headers.js'

describe('security headers', () => {
  it('are the same in public/_headers (Cloudflare Pages) as on the Node server', () => {
    const lines = readFileSync(new URL('../public/_headers', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    expect(lines[0]).toBe('/*')
    const headers = Object.fromEntries(
      lines.slice(1).map((line) => {
        const [name, ...value] = line.trim().split(': ')
        return [name?.toLowerCase(), value.join(': ')]
      }),
    )
    expect(headers).toEqual(SITE_HEADERS)
  })
})
