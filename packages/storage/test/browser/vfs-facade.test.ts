import { describe, expect, it } from 'vitest'
import { MemoryFile } from '../../src/browser/memory-file.js'
import { LockLevel, type OpenRequest, VfsFacade, type VfsFileSystem } from '../../src/browser/vfs-facade.js'
import { loadWasmSqlite } from '../../src/browser/wasm-sqlite.js'

interface OpenFile {
  readonly name: string
  readonly file: MemoryFile
}

/** Files in a map, every call recorded; `failing` makes the named method throw. */
class RecordingFileSystem implements VfsFileSystem<OpenFile> {
  readonly sectorSize = 4096
  readonly files = new Map<string, MemoryFile>()
  readonly opened: OpenRequest[] = []
  readonly writes: { name: string; offset: number; bytes: Uint8Array }[] = []
  readonly reads: { name: string; offset: number; length: number }[] = []
  failing: 'write' | 'open' | undefined

  open(request: OpenRequest): OpenFile | undefined {
    this.opened.push(request)
    if (this.failing === 'open') return undefined
    const name = request.name ?? `temporary-${this.opened.length}`
    let file = this.files.get(name)
    if (!file) {
      if (!request.create) return undefined
      file = new MemoryFile(4096)
      this.files.set(name, file)
    }
    return { name, file }
  }

  close(): void {}

  read({ name, file }: OpenFile, target: Uint8Array, offset: number): boolean {
    this.reads.push({ name, offset, length: target.length })
    return file.read(target, offset)
  }

  write({ name, file }: OpenFile, source: Uint8Array, offset: number): void {
    if (this.failing === 'write') throw new Error('the disk is on fire')
    this.writes.push({ name, offset, bytes: source.slice() })
    file.write(source, offset)
  }

  truncate({ file }: OpenFile, size: number): void {
    file.truncate(size)
  }

  size({ file }: OpenFile): number {
    return file.size
  }

  setLockLevel({ file }: OpenFile, level: number): void {
    file.lockLevel = level
  }

  hasReservedLock({ file }: OpenFile): boolean {
    return file.lockLevel >= LockLevel.reserved
  }

  delete(name: string): void {
    this.files.delete(name)
  }

  exists(name: string): boolean {
    return this.files.has(name)
  }
}

let installed = 0

async function install() {
  const sqlite = await loadWasmSqlite({}, 'indexeddb')
  const fileSystem = new RecordingFileSystem()
  const facade = new VfsFacade(sqlite, `facade-test-${++installed}`, fileSystem)
  const open = (filename: string) => new sqlite.oo1.DB({ filename, flags: 'c', vfs: facade.name })
  return { fileSystem, open }
}

describe('VfsFacade', () => {
  it("hands SQLite's file calls to the file system as files, bytes and offsets", async () => {
    const { fileSystem, open } = await install()
    const database = open('main.db')
    database.exec('pragma page_size = 4096; create table t (x); insert into t values (42)')
    expect(database.selectValue('select x from t')).toBe(42)
    database.close()

    expect(fileSystem.opened[0]).toEqual({ name: 'main.db', create: true, mainDatabase: true, deleteOnClose: false })
    const mainWrites = fileSystem.writes.filter((write) => write.name === 'main.db')
    expect(mainWrites.length).toBeGreaterThan(0)
    for (const write of mainWrites) {
      expect(write.offset % 4096).toBe(0)
      expect(write.bytes.length).toBe(4096)
    }
    const header = new TextDecoder().decode(mainWrites.find((write) => write.offset === 0)?.bytes.subarray(0, 16))
    expect(header).toBe('SQLite format 3\0')
    const stored = new Uint8Array(16)
    expect(fileSystem.files.get('main.db')?.read(stored, 0)).toBe(true)
    expect(new TextDecoder().decode(stored)).toBe('SQLite format 3\0')
    expect(fileSystem.reads.some((read) => read.name === 'main.db' && read.offset === 0)).toBe(true)
  })

  it('reads back what a second connection finds in the file system', async () => {
    const { open } = await install()
    const writer = open('shared.db')
    writer.exec('create table t (x); insert into t values (1), (2), (3)')
    writer.close()
    const reader = open('shared.db')
    expect(reader.selectValues('select x from t order by x')).toEqual([1, 2, 3])
    reader.close()
  })

  it('answers SQLite with an I/O error when a file method throws, and loses nothing stored', async () => {
    const { fileSystem, open } = await install()
    const database = open('failing.db')
    database.exec('create table t (x); insert into t values (1)')
    fileSystem.failing = 'write'
    expect(() => database.exec('insert into t values (2)')).toThrow(/SQLITE_IOERR|disk I\/O error/)
    fileSystem.failing = undefined
    expect(database.selectValues('select x from t')).toEqual([1])
    database.close()
  })

  it('answers SQLITE_CANTOPEN when the file system refuses to open a file', async () => {
    const { fileSystem, open } = await install()
    fileSystem.failing = 'open'
    expect(() => open('refused.db')).toThrow(/SQLITE_CANTOPEN|unable to open/)
  })
})
