// The `node` build of `@inventory/storage/auto`; its types are those of `auto.ts`.
export { autoAdapters } from './auto/auto-adapters.node.js'
export type { AutoAdaptersOptions } from './auto/auto-adapters-options.js'
