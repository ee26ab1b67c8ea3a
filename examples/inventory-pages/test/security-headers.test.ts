import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BROWSER_ONLY_SITE_HEADERS, SITE_HEADERS } from '../src/server/security-headers.js'

describe('security headers', () => {
  it('of the browser-only build are its own in its _headers, allowing connections to other servers only', () => {
    expect(readHeaders('../dist-browser-only/_headers')).toEqual(BROWSER_ONLY_SITE_HEADERS)
    const { 'content-security-policy': policy, ...rest } = BROWSER_ONLY_SITE_HEADERS
    const { 'content-security-policy': serverPolicy, ...serverRest } = SITE_HEADERS
    expect(rest).toEqual(serverRest)
    expect(policy?.replace(/connect-src [^;]+/, '')).toBe(serverPolicy?.replace(/connect-src [^;]+/, ''))
    // The other builds keep public/_headers as it is.
    expect(readHeaders('../dist-offline-first/_headers')).toEqual(SITE_HEADERS)
  })

  it('are the same in public/_headers (Cloudflare Pages) as on the Node server', () => {
    expect(readHeaders('../public/_headers')).toEqual(SITE_HEADERS)
  })
})

function readHeaders(path: string): Record<string, string> {
  const lines = readFileSync(new URL(path, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  expect(lines[0]).toBe('/*')
  return Object.fromEntries(
    lines.slice(1).map((line) => {
      const [name, ...value] = line.trim().split(': ')
      return [name?.toLowerCase(), value.join(': ')]
    }),
  )
}
