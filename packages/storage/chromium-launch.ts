import type { LaunchOptions } from 'playwright-core'

/**
 * How the Chromium tests and benchmarks launch the browser: the binary in `CHROMIUM_PATH` when set
 * (a system Chromium, for machines where Playwright cannot download its own), headless, with the
 * flags a container run as root needs.
 */
export const chromiumLaunchOptions: LaunchOptions = {
  headless: true,
  ...(process.env.CHROMIUM_PATH ? { executablePath: process.env.CHROMIUM_PATH } : {}),
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
