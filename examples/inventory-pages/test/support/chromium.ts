import { existsSync } from 'node:fs'
import { chromiumLaunchOptions, findChromium } from '@inventory/testing/chromium'
import { type Browser, chromium } from 'playwright-core'

const chromiumPath = findChromium()
/**
 * Whether the browser tests can run. Without a Chromium they are skipped on a developer's machine
 * (they need one; see the README), but never in CI, where a missing browser must fail the run.
 */
export const hasChromium = (chromiumPath !== undefined && existsSync(chromiumPath)) || process.env.CI === 'true'

/** Launches the Chromium every test of the workspace uses, with the same flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions())
}
