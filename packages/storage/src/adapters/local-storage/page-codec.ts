/**
 * Turns database pages into compact strings for `localStorage` and back.
 *
 * Two steps, both simple and linear:
 * 1. Runs of zero bytes (free space inside pages, empty pages) shrink to a two-byte marker; other
 *    bytes are copied behind a one-byte length. Control byte `0..127`: a literal run of `c + 1`
 *    bytes follows. Control byte `128..255` plus the next byte: a zero run of
 *    `((c & 127) << 8 | next) + 1` bytes.
 * 2. The resulting bytes are packed 15 bits per UTF-16 code unit, offset to `U+0800..U+87FF`: no
 *    surrogates (which storage may replace), no control characters, nothing JSON must escape.
 *    base64 would carry 6 bits per character; this carries 15.
 *
 * The first code unit holds the number of packed bytes' padding bits, so decoding knows where the
 * stream ends.
 *
 * @module
 */

/** First code unit of the alphabet; every unit is `CODE_BASE + a 15-bit value`. */
const CODE_BASE = 0x0800
const BITS_PER_UNIT = 15
const UNIT_MASK = (1 << BITS_PER_UNIT) - 1
/** Zero runs shorter than this cost more as a marker than as literal bytes. */
const MIN_ZERO_RUN = 3
const MAX_LITERAL_RUN = 128
const MAX_ZERO_RUN = 1 << 15

/**
 * Encodes a page as a string of code units in `U+0800..U+87FF`.
 *
 * @param page - the page's bytes
 * @example
 * ```ts
 * const text = encodePage(new Uint8Array(4096)) // a few characters for an empty page
 * ```
 */
export function encodePage(page: Uint8Array): string {
  return packBytes(compressZeroRuns(page))
}

/**
 * Decodes a string made by {@link encodePage}; throws when it is not one or its length is not `pageSize`.
 *
 * @param text - the encoded page
 * @param pageSize - the expected number of bytes
 */
export function decodePage(text: string, pageSize: number): Uint8Array {
  return expandZeroRuns(unpackBytes(text), pageSize)
}

function compressZeroRuns(page: Uint8Array): Uint8Array {
  // Worst case: one control byte per 128 literal bytes.
  const out = new Uint8Array(page.length + Math.ceil(page.length / MAX_LITERAL_RUN) + 2)
  let length = 0
  let literalStart = -1
  const flushLiterals = (end: number) => {
    for (let start = literalStart; start < end; start += MAX_LITERAL_RUN) {
      const count = Math.min(MAX_LITERAL_RUN, end - start)
      out[length++] = count - 1
      out.set(page.subarray(start, start + count), length)
      length += count
    }
    literalStart = -1
  }
  let position = 0
  while (position < page.length) {
    if (page[position] === 0) {
      let end = position + 1
      while (end < page.length && page[end] === 0 && end - position < MAX_ZERO_RUN) end++
      if (end - position >= MIN_ZERO_RUN) {
        if (literalStart >= 0) flushLiterals(position)
        const run = end - position - 1
        out[length++] = 0x80 | (run >> 8)
        out[length++] = run & 0xff
        position = end
        continue
      }
    }
    if (literalStart < 0) literalStart = position
    position++
  }
  if (literalStart >= 0) flushLiterals(page.length)
  return out.subarray(0, length)
}

function expandZeroRuns(bytes: Uint8Array, pageSize: number): Uint8Array {
  const page = new Uint8Array(pageSize)
  let position = 0
  let index = 0
  while (index < bytes.length) {
    const control = bytes[index++] as number
    if (control < 0x80) {
      const count = control + 1
      if (position + count > pageSize || index + count > bytes.length) throw new Error('page data overruns its length')
      page.set(bytes.subarray(index, index + count), position)
      index += count
      position += count
    } else {
      if (index >= bytes.length) throw new Error('page data ends inside a zero run')
      position += (((control & 0x7f) << 8) | (bytes[index++] as number)) + 1
      if (position > pageSize) throw new Error('page data overruns its length')
    }
  }
  if (position !== pageSize) throw new Error(`page data holds ${position} bytes instead of ${pageSize}`)
  return page
}

function packBytes(bytes: Uint8Array): string {
  const totalBits = bytes.length * 8
  const unitCount = Math.ceil(totalBits / BITS_PER_UNIT)
  const units = new Uint16Array(unitCount + 1)
  units[0] = CODE_BASE + (unitCount * BITS_PER_UNIT - totalBits)
  let buffer = 0
  let bufferedBits = 0
  let unit = 1
  for (let index = 0; index < bytes.length; index++) {
    buffer = (buffer << 8) | (bytes[index] as number)
    bufferedBits += 8
    if (bufferedBits >= BITS_PER_UNIT) {
      bufferedBits -= BITS_PER_UNIT
      units[unit++] = CODE_BASE + ((buffer >>> bufferedBits) & UNIT_MASK)
      buffer &= (1 << bufferedBits) - 1
    }
  }
  if (bufferedBits > 0) units[unit] = CODE_BASE + ((buffer << (BITS_PER_UNIT - bufferedBits)) & UNIT_MASK)
  let text = ''
  // In slices: String.fromCharCode takes its units as arguments, and engines cap argument counts.
  for (let start = 0; start < units.length; start += 8192) {
    text += String.fromCharCode(...units.subarray(start, start + 8192))
  }
  return text
}

function unpackBytes(text: string): Uint8Array {
  if (text.length === 0) throw new Error('page data is empty')
  const padding = unitValue(text, 0)
  const totalBits = (text.length - 1) * BITS_PER_UNIT - padding
  if (padding >= BITS_PER_UNIT || totalBits < 0 || totalBits % 8 !== 0) throw new Error('page data has a bad length')
  const bytes = new Uint8Array(totalBits / 8)
  let buffer = 0
  let bufferedBits = 0
  let byte = 0
  for (let index = 1; index < text.length && byte < bytes.length; index++) {
    buffer = ((buffer << BITS_PER_UNIT) | unitValue(text, index)) & 0x3fffff
    bufferedBits += BITS_PER_UNIT
    while (bufferedBits >= 8 && byte < bytes.length) {
      bufferedBits -= 8
      bytes[byte++] = (buffer >>> bufferedBits) & 0xff
    }
  }
  return bytes
}

function unitValue(text: string, index: number): number {
  const value = text.charCodeAt(index) - CODE_BASE
  if (value < 0 || value > UNIT_MASK) throw new Error(`page data holds a character outside its alphabet at ${index}`)
  return value
}
