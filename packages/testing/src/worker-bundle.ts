import { type BuildOptions, build } from 'esbuild'

/**
 * How tests and benchmarks bundle code for workerd: one ES module, no Node platform, resolved with
 * the export conditions wrangler uses for a Worker, so a package's conditional exports pick the
 * build a deployed Worker would get.
 */
export const workerBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'browser'],
} satisfies BuildOptions

/** {@link workerBundleOptions} as esbuild command-line flags, for a project that runs esbuild's CLI. */
export const workerBundleFlags: readonly string[] = Object.entries(workerBundleOptions).map(([option, value]) => {
  const flag = `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`
  return value === true ? flag : `${flag}=${value}`
})

/**
 * Bundles `entry` as a Worker (see {@link workerBundleOptions}) and returns the script, ready for
 * `new Miniflare({ modules: true, script })`.
 *
 * @param entry - the Worker's entry module, as a file path
 */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({ ...workerBundleOptions, entryPoints: [entry], write: false, logLevel: 'silent' })
  const script = result.outputFiles[0]?.text
  if (script === undefined) throw new Error(`esbuild produced no output for ${entry}`)
  return script
}
