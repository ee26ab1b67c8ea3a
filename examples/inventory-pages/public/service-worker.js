// Keeps the site's files so it opens offline. The API is never cached: data comes from the
// server, or from IndexedDB in the browser-only mode.
// v2: v1 could hold an API error or a script as the page; a new name drops those copies.
const CACHE = 'inventory-site-v2'

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.add('/'))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  )
})

// The page names the built files it loaded before this worker controlled it (see keepForOffline()
// in src/ui/main.ts); only this site's /assets/ files are kept.
self.addEventListener('message', (event) => {
  const files = Array.isArray(event.data?.keep) ? event.data.keep : []
  const assets = files.filter((path) => typeof path === 'string' && /^\/assets\/[\w.-]+$/.test(path))
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(assets.map((path) => cache.match(path).then((kept) => kept ?? cache.add(path)))))
      .catch(() => undefined),
  )
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  const api = url.pathname === '/api' || url.pathname.startsWith('/api/')
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || api) return
  if (event.request.mode === 'navigate') {
    // The page: fresh when online, the kept copy when not. Only the page itself is kept: a
    // navigation to a script or an error (a proxy's 502) must not become the offline page.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          const page = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/html')
          if (page) {
            const copy = response.clone()
            caches.open(CACHE).then((cache) => cache.put('/', copy))
          }
          return response
        })
        .catch(() => caches.match('/')),
    )
    return
  }
  // Built files have content-hashed names, so a kept copy is always right.
  event.respondWith(
    caches.match(event.request).then(
      (kept) =>
        kept ??
        fetch(event.request).then((response) => {
          if (response.ok) {
            const copy = response.clone()
            caches.open(CACHE).then((cache) => cache.put(event.request, copy))
          }
          return response
        }),
    ),
  )
})
