import {
  createStorage,
  type KyselyOptions,
  type StorageAdapter,
  type StorageCapabilities,
  type StorageProvider,
} from '../../src/index.js'

/** The adapters a harness can stand for; `ADAPTERS` lists some of these names. */
export const ADAPTER_NAMES = ['sqlite', 'd1', 'durable-object', 'indexeddb', 'local-storage'] as const

/** One of {@link ADAPTER_NAMES}. */
export type AdapterName = (typeof ADAPTER_NAMES)[number]

/**
 * One adapter as the shared suites (conformance, differential) open it: new databases on demand,
 * and the ways to reach one again. The Node and the Chromium registries each build theirs.
 */
export interface AdapterHarness {
  /** How reports name it: the adapter and what it runs on, e.g. `indexeddb (fake-indexeddb)`. */
  readonly name: string
  /** The adapter under test; `ADAPTERS` selects harnesses by it. */
  readonly adapter: AdapterName
  /** What the adapter declares; the suites gate their cases on it. */
  readonly capabilities: StorageCapabilities
  /**
   * Set where a test can hold only one database at a time (a Durable Object's storage is reachable
   * from its own object only): opening a second replaces the first, so cases that need two skip.
   */
  readonly singleDatabase?: boolean
  /**
   * A provider on a new, empty database.
   *
   * @param options - Kysely options (a `log`) the adapter is made with, for every provider on the database
   */
  open<DB>(options?: KyselyOptions): Promise<StorageProvider<DB>>
  /**
   * Closes every provider on `provider`'s database and opens the database again, as a restarted
   * app would. Present exactly where `capabilities.persistent`.
   */
  reopen?<DB>(provider: StorageProvider<any>): Promise<StorageProvider<DB>>
  /**
   * Another provider on `provider`'s database, opened as a second tab of the same origin opens it.
   * Present exactly where `capabilities.crossTabSync`.
   */
  openTab?<DB>(provider: StorageProvider<any>): Promise<StorageProvider<DB>>
  /**
   * Closes every provider on `provider`'s database, overwrites the start of what it stored with
   * bytes that are no SQLite database (as a disk error or a stray write would), and opens it again:
   * resolves with the provider, or rejects with what opening threw. Present where the adapter
   * stores a file or pages the test can reach.
   */
  reopenDamaged?<DB>(provider: StorageProvider<any>): Promise<StorageProvider<DB>>
  /**
   * An empty provider of an adapter that exports files, in the runtime the harness runs in: the
   * scratch database `exportDatabase` copies into where the adapter has no file. Absent where the
   * runtime has no such engine (workerd). Cleaned up with the rest.
   */
  openScratch?<DB>(): Promise<StorageProvider<DB>>
  /** Closes every provider opened since the last cleanup and deletes their databases; after each test. */
  cleanup(): Promise<void>
  /** Cleans up, then stops what the harness keeps between databases (D1's Miniflare); after the last test. */
  dispose(): Promise<void>
}

/**
 * One database of a harness: the adapters that reach it, each made with the Kysely options the
 * database was opened with, and how to delete it.
 */
export interface HarnessDatabase {
  /** An adapter on the database, for its first provider and for each reopen. */
  adapter(options: KyselyOptions): StorageAdapter | Promise<StorageAdapter>
  /** An adapter on the database as another tab would open it; needed where tabs sync. */
  tabAdapter?(options: KyselyOptions): StorageAdapter | Promise<StorageAdapter>
  /** Deletes what the database left behind, once its providers are closed. */
  remove?(): unknown
  /** Overwrites the start of the stored database, once its providers are closed. */
  damage?(): unknown
}

/** What {@link defineHarness} needs to know of one adapter. */
export interface HarnessDefinition {
  readonly name: string
  readonly adapter: AdapterName
  readonly capabilities: StorageCapabilities
  /**
   * Set where a test can hold only one database at a time (a Durable Object's storage is reachable
   * from its own object only): opening a second replaces the first, so cases that need two skip.
   */
  readonly singleDatabase?: boolean
  /** Whether its databases can be damaged on purpose (each gives `damage`). */
  readonly damageable?: boolean
  /** Makes a new, empty database. */
  newDatabase(): HarnessDatabase | Promise<HarnessDatabase>
  /** An adapter on a new, empty database that exports files, for {@link AdapterHarness.openScratch}. */
  scratchAdapter?(): StorageAdapter
  /** Stops what databases share; called once, by `dispose()`. */
  dispose?(): unknown
}

/**
 * Builds an {@link AdapterHarness} from its databases: opens each through `createStorage`, as an
 * application does, and remembers which provider belongs to which database.
 *
 * @param definition - the adapter, its capabilities and how to make a database for it
 */
export function defineHarness(definition: HarnessDefinition): AdapterHarness {
  interface OpenDatabase {
    readonly database: HarnessDatabase
    readonly options: KyselyOptions
    readonly providers: StorageProvider<unknown>[]
  }
  const { name, adapter, capabilities, singleDatabase } = definition
  const databases: OpenDatabase[] = []
  const owners = new Map<StorageProvider<unknown>, OpenDatabase>()

  const openOn = async <DB>(open: OpenDatabase, adapter: StorageAdapter | Promise<StorageAdapter>) => {
    const provider = await createStorage<DB>({ adapters: await adapter })
    open.providers.push(provider as StorageProvider<unknown>)
    owners.set(provider as StorageProvider<unknown>, open)
    return provider
  }
  const ownerOf = (provider: StorageProvider<any>) => {
    const open = owners.get(provider)
    if (!open) throw new Error(`${name}: this provider was not opened by the harness, or was cleaned up`)
    return open
  }
  const closeAll = async (open: OpenDatabase) => {
    for (const provider of open.providers.splice(0)) {
      owners.delete(provider)
      await provider.close()
    }
  }
  const cleanup = async () => {
    for (const open of databases.splice(0)) {
      await closeAll(open)
      await open.database.remove?.()
    }
  }

  return {
    name,
    singleDatabase,
    adapter,
    capabilities,
    async open<DB>(options: KyselyOptions = {}) {
      const open: OpenDatabase = { database: await definition.newDatabase(), options, providers: [] }
      databases.push(open)
      return openOn<DB>(open, open.database.adapter(options))
    },
    ...(capabilities.persistent
      ? {
          async reopen<DB>(provider: StorageProvider<any>) {
            const open = ownerOf(provider)
            await closeAll(open)
            return openOn<DB>(open, open.database.adapter(open.options))
          },
        }
      : {}),
    ...(definition.damageable
      ? {
          async reopenDamaged<DB>(provider: StorageProvider<any>) {
            const open = ownerOf(provider)
            await closeAll(open)
            if (!open.database.damage) throw new Error(`${name} is damageable but its databases give no damage()`)
            await open.database.damage()
            return openOn<DB>(open, open.database.adapter(open.options))
          },
        }
      : {}),
    ...(capabilities.crossTabSync
      ? {
          openTab<DB>(provider: StorageProvider<any>) {
            const open = ownerOf(provider)
            if (!open.database.tabAdapter) throw new Error(`${name} syncs tabs but its databases give no tabAdapter`)
            return openOn<DB>(open, open.database.tabAdapter(open.options))
          },
        }
      : {}),
    ...(definition.scratchAdapter
      ? {
          async openScratch<DB>() {
            const open: OpenDatabase = {
              database: { adapter: () => definition.scratchAdapter?.() as StorageAdapter },
              options: {},
              providers: [],
            }
            databases.push(open)
            return openOn<DB>(open, open.database.adapter({}))
          },
        }
      : {}),
    cleanup,
    async dispose() {
      await cleanup()
      await definition.dispose?.()
    },
  }
}

/**
 * The adapters `ADAPTERS` names (comma-separated, e.g. `ADAPTERS=d1,indexeddb`), or undefined when
 * it is unset or empty: then every adapter runs. In Chromium, vitest.browser.config.ts passes the
 * variable on as `import.meta.env.ADAPTERS`.
 */
export function selectedAdapters(): ReadonlySet<AdapterName> | undefined {
  const value =
    typeof process === 'undefined'
      ? (import.meta as { env?: Record<string, string | undefined> }).env?.ADAPTERS
      : process.env.ADAPTERS
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (names.length === 0) return undefined
  const unknown = names.filter((name) => !(ADAPTER_NAMES as readonly string[]).includes(name))
  if (unknown.length > 0) {
    throw new Error(`ADAPTERS names unknown adapters (${unknown.join(', ')}); known: ${ADAPTER_NAMES.join(', ')}`)
  }
  return new Set(names as AdapterName[])
}

/**
 * Whether the harness runs in this run: `ADAPTERS` names its adapter, or is unset.
 *
 * @param harness - the harness to check
 */
export function isSelected(harness: Pick<AdapterHarness, 'adapter'>): boolean {
  return selectedAdapters()?.has(harness.adapter) ?? true
}
