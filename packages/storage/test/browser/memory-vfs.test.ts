import { describe, expect, it } from 'vitest'
import { MemoryFile } from '../../src/browser/memory-file.js'
import { MemoryVfs } from '../../src/browser/memory-vfs.js'
import { loadWasmSqlite } from '../../src/browser/wasm-sqlite.js'

describe('MemoryVfs', () => {
  it('opens the registered file, and writes the database into it', async () => {
    const sqlite = await loadWasmSqlite({}, 'indexeddb')
    const vfs = MemoryVfs.of(sqlite)
    expect(MemoryVfs.of(sqlite)).toBe(vfs)
    const file = new MemoryFile(4096)
    vfs.register('registered.db', file)
    const database = new sqlite.oo1.DB({ filename: 'registered.db', flags: 'c', vfs: vfs.name })
    database.exec('pragma page_size = 4096; pragma journal_mode = memory; create table t (x); insert into t values (7)')
    database.close()
    vfs.unregister('registered.db')
    expect(file.pageCount).toBe(2)
    const header = new Uint8Array(16)
    file.read(header, 0)
    expect(new TextDecoder().decode(header)).toBe('SQLite format 3\0')
  })

  it('refuses a main database nobody registered instead of opening an empty one', async () => {
    const sqlite = await loadWasmSqlite({}, 'indexeddb')
    const vfs = MemoryVfs.of(sqlite)
    expect(() => new sqlite.oo1.DB({ filename: 'unregistered.db', flags: 'c', vfs: vfs.name })).toThrow(
      /SQLITE_CANTOPEN|unable to open/,
    )
  })
})
