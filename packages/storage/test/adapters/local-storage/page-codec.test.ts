import { describe, expect, it } from 'vitest'
import { decodePage, encodePage } from '../../../src/adapters/local-storage/page-codec.js'

function randomPage(size: number, seed: number): Uint8Array {
  const page = new Uint8Array(size)
  let state = seed
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0
    page[i] = state >>> 24
  }
  return page
}

describe('page codec', () => {
  it('round-trips random bytes, zero runs of every length and mixed pages', () => {
    const pages = [new Uint8Array(4096), randomPage(4096, 1), randomPage(512, 2)]
    const mixed = randomPage(4096, 3)
    for (let run = 1, at = 0; at + run < mixed.length; at += run * 2, run++) mixed.fill(0, at, at + run)
    pages.push(mixed)
    const longZeros = randomPage(65536, 4)
    longZeros.fill(0, 100, 65000)
    pages.push(longZeros)
    for (const page of pages) expect(decodePage(encodePage(page), page.length)).toEqual(page)
  })

  it('stores 15 bits per character: random data takes 8/15 of a character per byte', () => {
    const text = encodePage(randomPage(4096, 5))
    // 4096 bytes, 32 control bytes for the literal runs, 15 bits per unit, one header unit.
    expect(text.length).toBe(Math.ceil(((4096 + 32) * 8) / 15) + 1)
  })

  it('stores an empty page in a handful of characters', () => {
    expect(encodePage(new Uint8Array(4096)).length).toBeLessThanOrEqual(3)
  })

  it('uses only characters from U+0800 to U+87FF: no surrogates, controls or JSON escapes', () => {
    const text = encodePage(randomPage(4096, 6))
    const codes = [...text].map((char) => char.charCodeAt(0))
    expect(Math.min(...codes)).toBeGreaterThanOrEqual(0x800)
    expect(Math.max(...codes)).toBeLessThanOrEqual(0x87ff)
    expect(JSON.stringify(text).length).toBe(text.length + 2)
  })

  it('refuses damaged text instead of returning wrong bytes', () => {
    const text = encodePage(randomPage(4096, 7))
    expect(() => decodePage(text, 8192)).toThrow(/instead of 8192/)
    expect(() => decodePage(`${text.slice(0, 10)}a${text.slice(11)}`, 4096)).toThrow(/outside its alphabet/)
    expect(() => decodePage('', 4096)).toThrow(/empty/)
  })
})
