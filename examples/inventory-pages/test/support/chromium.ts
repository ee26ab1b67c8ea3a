import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** The system's Chromium (Debian's `chromium` package unless CHROMIUM_PATH says otherwise). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/**
 * Whether the browser tests can run. Without a Chromium they are skipped on a developer's machine
 * (they need one; see the README), but never in CI, where a missing browser must fail the run.
 */
export const hasChromium = existsSync(chromiumPath) || process.env.CI === 'true'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}
