/**
 * The header that carries a D1 session's bookmark between the Pages Function and its client: the
 * function sends the bookmark of its last query, the client sends it back with its next request,
 * and that request's session starts at least there (read-your-writes on D1 read replicas).
 */
export const D1_BOOKMARK_HEADER = 'x-d1-bookmark'

/**
 * Whether a client-sent value can be handed to D1 as a bookmark. D1's bookmarks are short runs of
 * hex digits and dashes; anything else (other characters, or longer than any bookmark) is refused
 * before it reaches D1.
 */
export function isD1Bookmark(value: string): boolean {
  return /^[0-9a-f][0-9a-f-]{0,127}$/i.test(value)
}

/**
 * The later of two bookmarks. Answers to requests sent together may arrive in any order; keeping
 * the later one means an early answer never takes the session back. D1's bookmarks are fixed-width
 * hex fields, so the later one sorts after the earlier.
 */
export function laterBookmark(current: string | null, received: string | null): string | null {
  if (received === null || !isD1Bookmark(received)) return current
  return current !== null && current > received ? current : received
}
