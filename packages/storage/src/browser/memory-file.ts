/**
 * A database file held in memory as fixed-size pages, recording which pages changed since the
 * last stored state together with their previous content. The engine stores exactly the changed
 * pages at a commit, and puts the previous content back when storing fails.
 */
export class MemoryFile {
  /** Bytes per page; the engine sets SQLite's page size to the same value. */
  readonly pageSize: number
  /** SQLite's lock level on this file (`SQLITE_LOCK_NONE` .. `SQLITE_LOCK_EXCLUSIVE`). */
  lockLevel = 0
  readonly #pages = new Map<number, Uint8Array>()
  /** Content of each changed page before its first change; `undefined` where the page did not exist. */
  readonly #previous = new Map<number, Uint8Array | undefined>()
  #size = 0
  #sizeBefore: number | undefined

  /** @param pageSize - bytes per page */
  constructor(pageSize: number) {
    this.pageSize = pageSize
  }

  /** The file's size in bytes. */
  get size(): number {
    return this.#size
  }

  /** Number of pages, counting a partly written last page. */
  get pageCount(): number {
    return Math.ceil(this.#size / this.pageSize)
  }

  /**
   * Copies bytes from `offset` into `target`; returns false (and zero-fills the rest) on a short read.
   *
   * @param target - where the bytes go
   * @param offset - byte offset in the file
   */
  read(target: Uint8Array, offset: number): boolean {
    let done = 0
    while (done < target.length && offset + done < this.#size) {
      const position = offset + done
      const pageNumber = Math.floor(position / this.pageSize) + 1
      const within = position % this.pageSize
      const length = Math.min(target.length - done, this.pageSize - within, this.#size - position)
      const page = this.#pages.get(pageNumber)
      if (page) target.set(page.subarray(within, within + length), done)
      else target.fill(0, done, done + length)
      done += length
    }
    if (done < target.length) target.fill(0, done)
    return done === target.length
  }

  /**
   * Writes `source` at `offset`, growing the file as needed.
   *
   * @param source - the bytes to write
   * @param offset - byte offset in the file
   */
  write(source: Uint8Array, offset: number): void {
    this.#sizeBefore ??= this.#size
    let done = 0
    while (done < source.length) {
      const position = offset + done
      const pageNumber = Math.floor(position / this.pageSize) + 1
      const within = position % this.pageSize
      const length = Math.min(source.length - done, this.pageSize - within)
      this.#writablePage(pageNumber).set(source.subarray(done, done + length), within)
      done += length
    }
    this.#size = Math.max(this.#size, offset + source.length)
  }

  /**
   * Cuts the file to `size` bytes.
   *
   * @param size - the new size in bytes
   */
  truncate(size: number): void {
    if (size >= this.#size) return
    this.#sizeBefore ??= this.#size
    const keep = Math.ceil(size / this.pageSize)
    for (const pageNumber of [...this.#pages.keys()]) {
      if (pageNumber > keep) {
        this.#remember(pageNumber)
        this.#pages.delete(pageNumber)
      }
    }
    const within = size % this.pageSize
    if (within > 0) this.#writablePage(keep).fill(0, within)
    this.#size = size
  }

  /** Whether anything was written or cut since the last {@link MemoryFile.acceptChanges}. */
  get hasChanges(): boolean {
    return this.#sizeBefore !== undefined
  }

  /**
   * The pages whose content differs from the last stored state (copies), and the page count.
   * Pages rewritten with their old content (a rolled-back cache spill) are left out.
   */
  changes(): { pageCount: number; pages: Map<number, Uint8Array> } {
    const pageCount = this.pageCount
    const pages = new Map<number, Uint8Array>()
    for (const [pageNumber, previous] of this.#previous) {
      const current = this.#pages.get(pageNumber)
      if (pageNumber > pageCount || !current) continue
      if (previous && equalBytes(previous, current)) continue
      pages.set(pageNumber, current.slice())
    }
    return { pageCount, pages }
  }

  /** Makes the current content the stored state. */
  acceptChanges(): void {
    this.#previous.clear()
    this.#sizeBefore = undefined
  }

  /** Puts back the content of the last stored state. */
  revertChanges(): void {
    for (const [pageNumber, previous] of this.#previous) {
      if (previous) this.#pages.set(pageNumber, previous)
      else this.#pages.delete(pageNumber)
    }
    if (this.#sizeBefore !== undefined) this.#size = this.#sizeBefore
    this.acceptChanges()
  }

  /**
   * Replaces pages with stored ones (at open, or catching up with another tab's commit), and sets
   * the page count. Not a change: nothing is recorded.
   *
   * @param pages - page content by page number, each exactly one page long
   * @param pageCount - the stored page count
   */
  load(pages: ReadonlyMap<number, Uint8Array>, pageCount: number): void {
    for (const [pageNumber, page] of pages) this.#pages.set(pageNumber, page)
    for (const pageNumber of [...this.#pages.keys()]) if (pageNumber > pageCount) this.#pages.delete(pageNumber)
    this.#size = pageCount * this.pageSize
  }

  #writablePage(pageNumber: number): Uint8Array {
    this.#remember(pageNumber)
    let page = this.#pages.get(pageNumber)
    if (!page) {
      page = new Uint8Array(this.pageSize)
      this.#pages.set(pageNumber, page)
    }
    return page
  }

  #remember(pageNumber: number): void {
    if (this.#previous.has(pageNumber)) return
    this.#sizeBefore ??= this.#size
    this.#previous.set(pageNumber, this.#pages.get(pageNumber)?.slice())
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
