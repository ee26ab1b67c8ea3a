/**
 * What the page may load and who may frame it. The browser-only mode compiles SQLite's
 * WebAssembly, hence `'wasm-unsafe-eval'`; the favicon is a `data:` image. Nothing is inline, so
 * scripts and styles come from this site only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * Headers of every file of the site (the Node server sends them; `public/_headers` gives Pages the
 * same): the policy above, no framing for browsers that predate `frame-ancestors`, and no
 * guessing of content types.
 */
export const SITE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
}
