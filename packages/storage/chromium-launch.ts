import { existsSync } from 'node:fs'
import type { LaunchOptions } from 'playwright-core'

/** A system Chromium: `CHROMIUM_PATH`, else the usual install locations; else Playwright's own. */
const executablePath =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) => existsSync(path))

/**
 * How the Chromium tests and benchmarks launch the browser: the binary in `CHROMIUM_PATH` when set
 * (a system Chromium, for machines where Playwright cannot download its own), headless, with the
 * flags a container run as root needs.
 */
export const chromiumLaunchOptions: LaunchOptions = {
  headless: true,
  ...(executablePath ? { executablePath } : {}),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
}
