import type { WasmSqlite } from './wasm-sqlite.js'

/** What SQLite asks for when it opens a file, decoded from its open flags. */
export interface OpenRequest {
  /** The file name; undefined for a temporary file SQLite names none. */
  readonly name: string | undefined
  /** Whether the file may be created when it does not exist (`SQLITE_OPEN_CREATE`). */
  readonly create: boolean
  /** Whether it is a main database file (`SQLITE_OPEN_MAIN_DB`). */
  readonly mainDatabase: boolean
  /** Whether SQLite wants the file gone once closed (`SQLITE_OPEN_DELETEONCLOSE`). */
  readonly deleteOnClose: boolean
}

/** SQLite's file lock levels (`SQLITE_LOCK_NONE` .. `SQLITE_LOCK_EXCLUSIVE`), fixed by its file format. */
export const LockLevel = { none: 0, shared: 1, reserved: 2, pending: 3, exclusive: 4 } as const

/**
 * The file logic of a VFS, in files and bytes: {@link VfsFacade} turns SQLite's pointer calls into
 * these. A method reports failure by throwing; the facade answers SQLite with the matching I/O
 * error code.
 *
 * @template F - an open file, as the implementation represents it
 */
export interface VfsFileSystem<F> {
  /** The smallest unit the storage writes atomically, in bytes (`xSectorSize`). */
  readonly sectorSize: number
  /**
   * Opens a file; undefined when it cannot be (`SQLITE_CANTOPEN`).
   *
   * @param request - the name and what SQLite's flags ask for
   */
  open(request: OpenRequest): F | undefined
  /** @param file - a file from {@link VfsFileSystem.open}, not used again afterwards */
  close(file: F): void
  /**
   * Fills `target` from `offset`; false on a short read, with the rest of `target` zero-filled.
   *
   * @param file - an open file
   * @param target - where the bytes go
   * @param offset - byte offset in the file
   */
  read(file: F, target: Uint8Array, offset: number): boolean
  /**
   * Writes `source` at `offset`, growing the file as needed.
   *
   * @param file - an open file
   * @param source - the bytes to write
   * @param offset - byte offset in the file
   */
  write(file: F, source: Uint8Array, offset: number): void
  /**
   * Cuts the file to `size` bytes.
   *
   * @param file - an open file
   * @param size - the new size in bytes
   */
  truncate(file: F, size: number): void
  /** @param file - an open file */
  size(file: F): number
  /**
   * Sets the file's lock level: SQLite raises it step by step and lowers it to shared or none.
   *
   * @param file - an open file
   * @param level - one of {@link LockLevel}
   */
  setLockLevel(file: F, level: number): void
  /**
   * Whether any connection holds a reserved (or higher) lock on the file.
   *
   * @param file - an open file
   */
  hasReservedLock(file: F): boolean
  /** @param name - the file to remove */
  delete(name: string): void
  /** @param name - a file name */
  exists(name: string): boolean
}

/** The `sqlite3_io_methods` version implemented: the basic file methods, no shared memory or mmap. */
const IO_METHODS_VERSION = 1
/** The `sqlite3_vfs` version implemented: up to `xCurrentTimeInt64`. */
const VFS_VERSION = 2
/** Longest path SQLite may hand the VFS, in bytes. */
const MAX_PATHNAME = 1024
/** The Julian day number of the Unix epoch, as SQLite's `xCurrentTime` counts time. */
const UNIX_EPOCH_JULIAN_DAY = 2440587.5
/** The Unix epoch in milliseconds since the start of the Julian calendar, for `xCurrentTimeInt64`. */
const UNIX_EPOCH_JULIAN_MS = 210866760000000n
const MS_PER_DAY = 86_400_000
const SQLITE_OK = 0

/**
 * The pointer side of a JS VFS in sqlite-wasm: it installs the `sqlite3_vfs` and
 * `sqlite3_io_methods` structs, reads and writes the WASM heap, keeps the open files by their
 * `sqlite3_file` pointer, and turns every call into a call of a {@link VfsFileSystem} method taking
 * `(file, bytes, offset)`, with thrown errors turned into SQLite result codes.
 *
 * @template F - an open file of the file system
 */
export class VfsFacade<F> {
  readonly name: string
  readonly #sqlite: WasmSqlite
  readonly #fileSystem: VfsFileSystem<F>
  readonly #open = new Map<number, F>()
  /** Names `xAccess` was asked about, by address, with their bytes including the terminating zero. */
  readonly #accessedNames = new Map<number, { bytes: Uint8Array; name: string }>()
  #lastError: unknown

  /** Installs the VFS in the module under `name`, unique in the module. */
  constructor(sqlite: WasmSqlite, name: string, fileSystem: VfsFileSystem<F>) {
    this.#sqlite = sqlite
    this.name = name
    this.#fileSystem = fileSystem
    this.#install()
  }

  #install(): void {
    // sqlite-wasm's typings lag its runtime for the struct API ($-prefixed members, structInfo).
    const { capi, wasm } = this.#sqlite as any
    const io = new capi.sqlite3_io_methods()
    io.$iVersion = IO_METHODS_VERSION
    const vfs = new capi.sqlite3_vfs()
    const defaultVfs = new capi.sqlite3_vfs(capi.sqlite3_vfs_find(null))
    vfs.$iVersion = VFS_VERSION
    vfs.$szOsFile = capi.sqlite3_file.structInfo.sizeof
    vfs.$mxPathname = MAX_PATHNAME
    vfs.$zName = wasm.allocCString(this.name)
    vfs.$xRandomness = defaultVfs.$xRandomness
    vfs.$xSleep = defaultVfs.$xSleep
    defaultVfs.dispose()
    // sqlite-wasm's typings describe each method with literal result codes; these return numbers.
    this.#sqlite.vfs.installVfs({
      io: { struct: io, methods: this.#ioMethods() as any },
      vfs: { struct: vfs, methods: this.#vfsMethods(io.pointer) as any },
    })
  }

  #ioMethods() {
    const { capi, wasm } = this.#sqlite
    const files = this.#fileSystem
    return {
      xClose: (pFile: number) =>
        this.#guard(capi.SQLITE_IOERR_CLOSE, () => {
          const file = this.#fileAt(pFile)
          this.#open.delete(Number(pFile))
          files.close(file)
          return SQLITE_OK
        }),
      xRead: (pFile: number, pDest: number, length: number, offset: bigint | number) =>
        this.#guard(capi.SQLITE_IOERR_READ, () =>
          files.read(this.#fileAt(pFile), this.#heapBytes(pDest, length), Number(offset))
            ? SQLITE_OK
            : capi.SQLITE_IOERR_SHORT_READ,
        ),
      xWrite: (pFile: number, pSource: number, length: number, offset: bigint | number) =>
        this.#guard(capi.SQLITE_IOERR_WRITE, () => {
          files.write(this.#fileAt(pFile), this.#heapBytes(pSource, length), Number(offset))
          return SQLITE_OK
        }),
      xTruncate: (pFile: number, size: bigint | number) =>
        this.#guard(capi.SQLITE_IOERR_TRUNCATE, () => {
          files.truncate(this.#fileAt(pFile), Number(size))
          return SQLITE_OK
        }),
      xSync: () => SQLITE_OK,
      xFileSize: (pFile: number, pSize: number) =>
        this.#guard(capi.SQLITE_IOERR_FSTAT, () => {
          wasm.poke64(pSize, BigInt(files.size(this.#fileAt(pFile))))
          return SQLITE_OK
        }),
      xLock: (pFile: number, level: number) =>
        this.#guard(capi.SQLITE_IOERR_LOCK, () => {
          files.setLockLevel(this.#fileAt(pFile), level)
          return SQLITE_OK
        }),
      xUnlock: (pFile: number, level: number) =>
        this.#guard(capi.SQLITE_IOERR_UNLOCK, () => {
          files.setLockLevel(this.#fileAt(pFile), level)
          return SQLITE_OK
        }),
      xCheckReservedLock: (pFile: number, pOut: number) =>
        this.#guard(capi.SQLITE_IOERR_CHECKRESERVEDLOCK, () => {
          wasm.poke32(pOut, files.hasReservedLock(this.#fileAt(pFile)) ? 1 : 0)
          return SQLITE_OK
        }),
      xFileControl: () => capi.SQLITE_NOTFOUND,
      xSectorSize: () => files.sectorSize,
      xDeviceCharacteristics: () => 0,
    }
  }

  #vfsMethods(ioPointer: number) {
    const { capi, wasm } = this.#sqlite as any
    const files = this.#fileSystem
    return {
      xOpen: (_pVfs: number, zName: number, pFile: number, flags: number, pOutFlags: number) =>
        this.#guard(capi.SQLITE_CANTOPEN, () => {
          const file = files.open({
            name: zName ? wasm.cstrToJs(zName) || undefined : undefined,
            create: (flags & capi.SQLITE_OPEN_CREATE) !== 0,
            mainDatabase: (flags & capi.SQLITE_OPEN_MAIN_DB) !== 0,
            deleteOnClose: (flags & capi.SQLITE_OPEN_DELETEONCLOSE) !== 0,
          })
          if (file === undefined) return capi.SQLITE_CANTOPEN
          this.#open.set(Number(pFile), file)
          const handle = new capi.sqlite3_file(pFile)
          handle.$pMethods = ioPointer
          handle.dispose()
          if (pOutFlags) wasm.poke32(pOutFlags, flags)
          return SQLITE_OK
        }),
      xDelete: (_pVfs: number, zName: number) =>
        this.#guard(capi.SQLITE_IOERR_DELETE, () => {
          files.delete(wasm.cstrToJs(zName))
          return SQLITE_OK
        }),
      xAccess: (_pVfs: number, zName: number, _flags: number, pOut: number) =>
        this.#guard(capi.SQLITE_IOERR_ACCESS, () => {
          wasm.poke32(pOut, files.exists(this.#accessedName(zName)) ? 1 : 0)
          return SQLITE_OK
        }),
      xFullPathname: (_pVfs: number, zName: number, nOut: number, pOut: number) =>
        wasm.cstrncpy(pOut, zName, nOut) < nOut ? SQLITE_OK : capi.SQLITE_CANTOPEN,
      xCurrentTime: (_pVfs: number, pOut: number) => {
        wasm.poke(pOut, UNIX_EPOCH_JULIAN_DAY + Date.now() / MS_PER_DAY, 'double')
        return SQLITE_OK
      },
      xCurrentTimeInt64: (_pVfs: number, pOut: number) => {
        wasm.poke(pOut, UNIX_EPOCH_JULIAN_MS + BigInt(Date.now()), 'i64')
        return SQLITE_OK
      },
      xGetLastError: (_pVfs: number, nOut: number, pOut: number) => this.#takeLastError(nOut, pOut),
    }
  }

  /**
   * The file name at `pointer`. SQLite asks whether a hot journal exists each time a statement
   * starts reading, always with the same name at the same address; decoding it from the heap every
   * time was a fifth of an indexed point read. The bytes are compared with the ones decoded last at
   * that address, so a name placed there later is decoded afresh.
   */
  #accessedName(pointer: number): string {
    const heap = this.#sqlite.wasm.heap8u()
    const known = this.#accessedNames.get(pointer)
    if (known) {
      const { bytes } = known
      let same = true
      for (let index = 0; index < bytes.length; index++) {
        if (heap[pointer + index] !== bytes[index]) {
          same = false
          break
        }
      }
      if (same) return known.name
    }
    let end = pointer
    while (heap[end] !== 0) end++
    // The terminating zero is part of what is compared next time.
    const bytes = heap.slice(pointer, end + 1)
    const name = new TextDecoder().decode(bytes.subarray(0, bytes.length - 1))
    this.#accessedNames.set(pointer, { bytes, name })
    return name
  }

  /** A thrown error becomes `failureCode`, kept for `xGetLastError`. */
  #guard(failureCode: number, operation: () => number): number {
    try {
      return operation()
    } catch (error) {
      this.#lastError = error
      return failureCode
    }
  }

  #fileAt(pFile: number): F {
    const file = this.#open.get(Number(pFile))
    if (file === undefined) throw new Error('unknown file handle')
    return file
  }

  /** A view of the heap, so reads land in SQLite's buffer. */
  #heapBytes(pointer: number, length: number): Uint8Array {
    return this.#sqlite.wasm.heap8u().subarray(Number(pointer), Number(pointer) + length)
  }

  /** Answers `xGetLastError`, copying the message into SQLite's buffer where it passes one. */
  #takeLastError(nOut: number, pOut: number): number {
    const error = this.#lastError
    this.#lastError = undefined
    if (error === undefined) return SQLITE_OK
    if (nOut > 0 && pOut) {
      const message = error instanceof Error ? error.message : String(error)
      const bytes = new TextEncoder().encode(message).subarray(0, nOut - 1)
      const heap = this.#heapBytes(pOut, bytes.length + 1)
      heap.set(bytes)
      heap[bytes.length] = 0
    }
    return this.#sqlite.capi.SQLITE_IOERR
  }
}
