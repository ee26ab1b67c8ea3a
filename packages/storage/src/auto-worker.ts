// The `workerd`/`worker` build of `@inventory/storage/auto`; its types are those of `auto.ts`.
export { autoAdapters } from './auto/auto-adapters.worker.js'
export type { AutoAdaptersOptions } from './auto/auto-adapters-options.js'
