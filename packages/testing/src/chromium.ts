import { existsSync } from 'node:fs'
import type { LaunchOptions } from 'playwright-core'

/** Where Debian, Ubuntu and Chrome's own packages install the browser. */
const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/**
 * The flags a headless Chromium needs in a container run as root, without network chatter that a
 * machine reaching only package registries would wait on.
 */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/**
 * The Chromium binary tests and benchmarks launch: `CHROMIUM_PATH` when set, else the first system
 * Chromium found. Undefined leaves the choice to Playwright, which then uses the browser it
 * downloaded (`playwright install chromium`), if any.
 */
export function findChromium(): string | undefined {
  return process.env.CHROMIUM_PATH ?? SYSTEM_CHROMIUMS.find((path) => existsSync(path))
}

/**
 * How every Chromium test and benchmark launches the browser: headless, the binary of
 * {@link findChromium} (read at each call, so a later `CHROMIUM_PATH` counts), and the flags above.
 */
export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = findChromium()
  return { headless: true, ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_FLAGS] }
}
