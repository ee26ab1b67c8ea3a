import { describe, expect, it } from 'vitest'
import { MemoryFile } from '../../src/browser/memory-file.js'

const bytes = (...values: number[]) => new Uint8Array(values)

describe('MemoryFile', () => {
  it('reads and writes across page boundaries and reports short reads', () => {
    const file = new MemoryFile(4)
    file.write(bytes(1, 2, 3, 4, 5, 6), 2)
    expect(file.size).toBe(8)
    expect(file.pageCount).toBe(2)
    const target = new Uint8Array(6)
    expect(file.read(target, 0)).toBe(true)
    expect([...target]).toEqual([0, 0, 1, 2, 3, 4])
    const past = new Uint8Array(4).fill(9)
    expect(file.read(past, 6)).toBe(false)
    expect([...past]).toEqual([5, 6, 0, 0])
  })

  it('hands over only pages whose content changed since the last stored state', () => {
    const file = new MemoryFile(4)
    file.write(bytes(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), 0)
    file.acceptChanges()
    expect(file.hasChanges).toBe(false)
    file.write(bytes(2, 2), 4)
    file.write(bytes(7), 9)
    const { pageCount, pages } = file.changes()
    expect(pageCount).toBe(3)
    expect([...pages.keys()]).toEqual([3])
    expect([...(pages.get(3) as Uint8Array)]).toEqual([3, 7, 3, 3])
  })

  it('puts back content and size of the last stored state', () => {
    const file = new MemoryFile(4)
    file.write(bytes(1, 1, 1, 1, 2, 2, 2, 2), 0)
    file.acceptChanges()
    file.write(bytes(9, 9, 9, 9, 9, 9), 2)
    file.truncate(4)
    file.write(bytes(8), 0)
    file.revertChanges()
    const target = new Uint8Array(8)
    file.read(target, 0)
    expect([...target]).toEqual([1, 1, 1, 1, 2, 2, 2, 2])
    expect(file.size).toBe(8)
    expect(file.hasChanges).toBe(false)
  })

  it('reports a truncation as a smaller page count, and loads stored pages without recording them', () => {
    const file = new MemoryFile(4)
    file.load(
      new Map([
        [1, bytes(1, 1, 1, 1)],
        [2, bytes(2, 2, 2, 2)],
        [3, bytes(3, 3, 3, 3)],
      ]),
      3,
    )
    expect(file.hasChanges).toBe(false)
    file.truncate(8)
    expect(file.changes()).toEqual({ pageCount: 2, pages: new Map() })
    file.acceptChanges()
    file.load(new Map([[2, bytes(5, 5, 5, 5)]]), 1)
    expect(file.size).toBe(4)
    expect(file.hasChanges).toBe(false)
  })
})
