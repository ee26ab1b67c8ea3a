import { MemoryFile } from './memory-file.js'
import { LockLevel, type OpenRequest, VfsFacade, type VfsFileSystem } from './vfs-facade.js'
import type { WasmSqlite } from './wasm-sqlite.js'

/** The name the VFS is installed under in each module. */
const VFS_NAME = 'inventory-memory'
/** Page size of the files SQLite creates for itself (temporary tables, sort spills). */
const TEMPORARY_FILE_PAGE_SIZE = 4096
/** What the VFS reports as the atomic write unit: SQLite's own default, as memory has none. */
const SECTOR_SIZE = 4096

/** A file SQLite has open: its content and what closing it does. */
interface OpenMemoryFile {
  readonly name: string
  readonly file: MemoryFile
  readonly deleteOnClose: boolean
}

/**
 * A SQLite VFS whose files are {@link MemoryFile}s. The runtime registers the database file under a
 * name before opening it; SQLite's own extra files (temporary tables, sort spills) are created
 * here on demand and dropped when closed. {@link VfsFacade} does the pointer work.
 *
 * Locks are kept per file and reported truthfully, so SQLite (in its normal locking mode) rereads
 * the file change counter each time it takes a shared lock and drops its page cache when pages
 * were replaced underneath it.
 */
export class MemoryVfs implements VfsFileSystem<OpenMemoryFile> {
  readonly sectorSize = SECTOR_SIZE
  readonly #files = new Map<string, MemoryFile>()
  readonly #facade: VfsFacade<OpenMemoryFile>
  #temporaryFiles = 0

  private constructor(sqlite: WasmSqlite) {
    this.#facade = new VfsFacade(sqlite, VFS_NAME, this)
  }

  /** The VFS of a loaded module, installed on first use. */
  static of(sqlite: WasmSqlite): MemoryVfs {
    let vfs = installed.get(sqlite)
    if (!vfs) {
      vfs = new MemoryVfs(sqlite)
      installed.set(sqlite, vfs)
    }
    return vfs
  }

  get name(): string {
    return this.#facade.name
  }

  /** Makes `file` the content of the file called `name` until unregistered. */
  register(name: string, file: MemoryFile): void {
    this.#files.set(name, file)
  }

  unregister(name: string): void {
    this.#files.delete(name)
  }

  open({ name, create, mainDatabase, deleteOnClose }: OpenRequest): OpenMemoryFile | undefined {
    const fileName = name ?? `temporary-${++this.#temporaryFiles}`
    let file = this.#files.get(fileName)
    if (!file) {
      // A main database exists only once registered: never open an empty one in its place.
      if (!create || mainDatabase) return undefined
      file = new MemoryFile(TEMPORARY_FILE_PAGE_SIZE)
      this.#files.set(fileName, file)
    }
    return { name: fileName, file, deleteOnClose: name === undefined || deleteOnClose }
  }

  close({ name, deleteOnClose }: OpenMemoryFile): void {
    if (deleteOnClose) this.#files.delete(name)
  }

  read({ file }: OpenMemoryFile, target: Uint8Array, offset: number): boolean {
    return file.read(target, offset)
  }

  write({ file }: OpenMemoryFile, source: Uint8Array, offset: number): void {
    file.write(source, offset)
  }

  truncate({ file }: OpenMemoryFile, size: number): void {
    file.truncate(size)
  }

  size({ file }: OpenMemoryFile): number {
    return file.size
  }

  setLockLevel({ file }: OpenMemoryFile, level: number): void {
    file.lockLevel = level
  }

  hasReservedLock({ file }: OpenMemoryFile): boolean {
    return file.lockLevel >= LockLevel.reserved
  }

  delete(name: string): void {
    this.#files.delete(name)
  }

  exists(name: string): boolean {
    return this.#files.has(name)
  }
}

const installed = new WeakMap<WasmSqlite, MemoryVfs>()
