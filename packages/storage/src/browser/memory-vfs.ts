import { MemoryFile } from './memory-file.js'
import type { WasmSqlite } from './wasm-sqlite.js'

/** SQLite's lock level at which a writer has announced its intent (`SQLITE_LOCK_RESERVED`). */
const RESERVED_LOCK = 2

/**
 * A SQLite VFS, written in JS with sqlite-wasm's VFS API, whose files are {@link MemoryFile}s. The
 * engine registers the database file under a name before opening it; SQLite's own extra files
 * (temporary tables, sort spills) are created here on demand and dropped when closed.
 *
 * Locks are kept per file and reported truthfully, so SQLite (in its normal locking mode) rereads
 * the file change counter each time it takes a shared lock and drops its page cache when pages
 * were replaced underneath it.
 */
export class MemoryVfs {
  /** The VFS name to pass to `sqlite3_open_v2`. */
  readonly name: string
  readonly #sqlite: WasmSqlite
  readonly #files = new Map<string, MemoryFile>()
  readonly #open = new Map<number, { name: string; file: MemoryFile; deleteOnClose: boolean }>()
  #lastError: unknown

  private constructor(sqlite: WasmSqlite, name: string) {
    this.#sqlite = sqlite
    this.name = name
    this.#install()
  }

  /**
   * The VFS of a loaded module, installed on first use.
   *
   * @param sqlite - the loaded WASM SQLite module
   */
  static of(sqlite: WasmSqlite): MemoryVfs {
    let vfs = installed.get(sqlite)
    if (!vfs) {
      vfs = new MemoryVfs(sqlite, 'inventory-memory')
      installed.set(sqlite, vfs)
    }
    return vfs
  }

  /**
   * Makes `file` the content of the file called `name` until {@link MemoryVfs.unregister}.
   *
   * @param name - the file name SQLite will open
   * @param file - its content
   */
  register(name: string, file: MemoryFile): void {
    this.#files.set(name, file)
  }

  /** @param name - a file name given to {@link MemoryVfs.register} */
  unregister(name: string): void {
    this.#files.delete(name)
  }

  #install(): void {
    // sqlite-wasm's typings lag its runtime for the struct API ($-prefixed members, structInfo),
    // so this method works with the untyped module.
    const { capi, wasm } = this.#sqlite as any
    const heap = (): Uint8Array => wasm.heap8u()
    const guard = (fallback: number, operation: () => number): number => {
      try {
        return operation()
      } catch (error) {
        this.#lastError = error
        return fallback
      }
    }
    const fileOf = (pointer: number) => {
      const entry = this.#open.get(Number(pointer))
      if (!entry) throw new Error('unknown file handle')
      return entry
    }

    const io = new capi.sqlite3_io_methods()
    io.$iVersion = 1
    const ioMethods = {
      xClose: (pFile: number) =>
        guard(capi.SQLITE_IOERR_CLOSE, () => {
          const entry = fileOf(pFile)
          this.#open.delete(Number(pFile))
          if (entry.deleteOnClose) this.#files.delete(entry.name)
          return 0
        }),
      xRead: (pFile: number, pDest: number, length: number, offset: bigint | number) =>
        guard(capi.SQLITE_IOERR_READ, () => {
          const target = heap().subarray(Number(pDest), Number(pDest) + length)
          return fileOf(pFile).file.read(target, Number(offset)) ? 0 : capi.SQLITE_IOERR_SHORT_READ
        }),
      xWrite: (pFile: number, pSource: number, length: number, offset: bigint | number) =>
        guard(capi.SQLITE_IOERR_WRITE, () => {
          fileOf(pFile).file.write(heap().subarray(Number(pSource), Number(pSource) + length), Number(offset))
          return 0
        }),
      xTruncate: (pFile: number, size: bigint | number) =>
        guard(capi.SQLITE_IOERR_TRUNCATE, () => {
          fileOf(pFile).file.truncate(Number(size))
          return 0
        }),
      xSync: () => 0,
      xFileSize: (pFile: number, pSize: number) =>
        guard(capi.SQLITE_IOERR_FSTAT, () => {
          wasm.poke64(pSize, BigInt(fileOf(pFile).file.size))
          return 0
        }),
      xLock: (pFile: number, level: number) =>
        guard(capi.SQLITE_IOERR_LOCK, () => {
          fileOf(pFile).file.lockLevel = level
          return 0
        }),
      xUnlock: (pFile: number, level: number) =>
        guard(capi.SQLITE_IOERR_UNLOCK, () => {
          fileOf(pFile).file.lockLevel = level
          return 0
        }),
      xCheckReservedLock: (pFile: number, pOut: number) =>
        guard(capi.SQLITE_IOERR_CHECKRESERVEDLOCK, () => {
          wasm.poke32(pOut, fileOf(pFile).file.lockLevel >= RESERVED_LOCK ? 1 : 0)
          return 0
        }),
      xFileControl: () => capi.SQLITE_NOTFOUND,
      xSectorSize: () => 4096,
      xDeviceCharacteristics: () => 0,
    }

    const vfs = new capi.sqlite3_vfs()
    const defaultVfs = new capi.sqlite3_vfs(capi.sqlite3_vfs_find(null))
    vfs.$iVersion = 2
    vfs.$szOsFile = capi.sqlite3_file.structInfo.sizeof
    vfs.$mxPathname = 1024
    vfs.$zName = wasm.allocCString(this.name)
    vfs.$xRandomness = defaultVfs.$xRandomness
    vfs.$xSleep = defaultVfs.$xSleep
    defaultVfs.dispose()
    let anonymous = 0
    const vfsMethods = {
      xOpen: (_pVfs: number, zName: number, pFile: number, flags: number, pOutFlags: number) =>
        guard(capi.SQLITE_CANTOPEN, () => {
          const named = zName ? wasm.cstrToJs(zName) : ''
          const name = named || `temporary-${++anonymous}`
          let file = this.#files.get(name)
          if (!file) {
            if (!(flags & capi.SQLITE_OPEN_CREATE) || flags & capi.SQLITE_OPEN_MAIN_DB) return capi.SQLITE_CANTOPEN
            file = new MemoryFile(4096)
            this.#files.set(name, file)
          }
          this.#open.set(Number(pFile), {
            name,
            file,
            deleteOnClose: !named || (flags & capi.SQLITE_OPEN_DELETEONCLOSE) !== 0,
          })
          const handle = new capi.sqlite3_file(pFile)
          handle.$pMethods = io.pointer
          handle.dispose()
          if (pOutFlags) wasm.poke32(pOutFlags, flags)
          return 0
        }),
      xDelete: (_pVfs: number, zName: number) => {
        this.#files.delete(wasm.cstrToJs(zName))
        return 0
      },
      xAccess: (_pVfs: number, zName: number, _flags: number, pOut: number) => {
        wasm.poke32(pOut, this.#files.has(wasm.cstrToJs(zName)) ? 1 : 0)
        return 0
      },
      xFullPathname: (_pVfs: number, zName: number, nOut: number, pOut: number) =>
        wasm.cstrncpy(pOut, zName, nOut) < nOut ? 0 : capi.SQLITE_CANTOPEN,
      xCurrentTime: (_pVfs: number, pOut: number) => {
        wasm.poke(pOut, 2440587.5 + Date.now() / 86_400_000, 'double')
        return 0
      },
      xCurrentTimeInt64: (_pVfs: number, pOut: number) => {
        wasm.poke(pOut, 210866760000000n + BigInt(Date.now()), 'i64')
        return 0
      },
      xGetLastError: (_pVfs: number, nOut: number, pOut: number) => {
        const error = this.#lastError
        this.#lastError = undefined
        if (error === undefined) return 0
        const message = error instanceof Error ? error.message : String(error)
        const bytes = new TextEncoder().encode(message).subarray(0, Math.max(0, nOut - 1))
        heap().set(bytes, Number(pOut))
        heap()[Number(pOut) + bytes.length] = 0
        return capi.SQLITE_IOERR
      },
    }
    // sqlite-wasm's typings describe each method with literal result codes; these return numbers.
    this.#sqlite.vfs.installVfs({
      io: { struct: io, methods: ioMethods as any },
      vfs: { struct: vfs, methods: vfsMethods as any },
    })
  }
}

const installed = new WeakMap<WasmSqlite, MemoryVfs>()
