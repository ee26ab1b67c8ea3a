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

/**
 * The browser-only build's policy: the same, but it may also connect to other servers, for "Copy to
 * a server" (any `https:` server, and `http:` on this machine for a local Node server). It lets a
 * script of the page reach a server it names; scripts still come from this site only.
 */
export const BROWSER_ONLY_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "connect-src 'self'",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
)

/** {@link SITE_HEADERS} of the browser-only build, with its policy; `vite.config.ts` writes them to its `_headers`. */
export const BROWSER_ONLY_SITE_HEADERS: Readonly<Record<string, string>> = {
  ...SITE_HEADERS,
  'content-security-policy': BROWSER_ONLY_CONTENT_SECURITY_POLICY,
}

/** `headers` as a Cloudflare Pages `_headers` file, for every path. */
export function pagesHeadersFile(headers: Readonly<Record<string, string>>, comment: string): string {
  const names: Record<string, string> = {
    'content-security-policy': 'Content-Security-Policy',
    'x-frame-options': 'X-Frame-Options',
    'x-content-type-options': 'X-Content-Type-Options',
  }
  const lines = Object.entries(headers).map(([name, value]) => `  ${names[name] ?? name}: ${value}`)
  return `${comment
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n')}\n/*\n${lines.join('\n')}\n`
}
