import { describe, expect, it } from 'vitest'
import { isD1Bookmark, laterBookmark } from '../src/api/d1-bookmark-header.js'

const early = '00000000-00000002-00000000-00000000000000000000000000000000'
const late = '00000000-0000000a-00000000-00000000000000000000000000000000'

describe('the D1 bookmark header', () => {
  it('accepts bookmarks and refuses anything else', () => {
    expect(isD1Bookmark(early)).toBe(true)
    expect(isD1Bookmark('')).toBe(false)
    expect(isD1Bookmark('first-primary')).toBe(false)
    expect(isD1Bookmark(`${early}\nx`)).toBe(false)
    expect(isD1Bookmark('a'.repeat(129))).toBe(false)
  })

  it('keeps the later bookmark whatever order the answers arrive in', () => {
    expect(laterBookmark(null, early)).toBe(early)
    expect(laterBookmark(early, late)).toBe(late)
    expect(laterBookmark(late, early)).toBe(late)
    expect(laterBookmark(late, null)).toBe(late)
    expect(laterBookmark(early, 'not a bookmark')).toBe(early)
  })
})
