// Hiroba kiosk service worker: the kiosk must load, reload and verify passes
// with no network once it has been opened online once (SPEC §4).
//
// Design — network-first everywhere, the cache only as a fallback:
//
// * The app shell (index.html, app.css, web_kiosk.js, web_kiosk_bg.wasm) is
//   precached on install, then every request for it goes to the network
//   first and refreshes the cache on success; only when the network fails
//   (or is slower than NETWORK_TIMEOUT_MS) does the cached copy answer.
//   So a new `cargo xtask build` reaches kiosks on their next online load
//   with no build id to stamp, and the JS glue and the wasm can never come
//   from two different builds while online. The cache name's version only
//   changes if the *layout* of this cache changes; activation deletes every
//   other `hiroba-kiosk-*` cache.
// * Data is not this worker's business: the kiosk keeps its documents, its
//   enrolment and the city's configuration in IndexedDB and syncs them over
//   the WebSocket. Anything outside the app's scope (sync, /api/, other
//   origins) is left alone.
'use strict';

const CACHE = 'hiroba-kiosk-v1';
const CACHE_PREFIX = 'hiroba-kiosk-';
const NETWORK_TIMEOUT_MS = 4000;
const SHELL = ['./', './index.html', './app.css', './staff.css', './web_kiosk.js', './web_kiosk_bg.wasm', './qr-worker.js'];

const scopePath = () => new URL(self.registration.scope).pathname;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // The shell must be complete, or this worker must not install.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const scope = scopePath();
  if (!url.pathname.startsWith(scope)) return;
  // `/kiosk/?room=R03` and `/kiosk/` are one page: cache by path only.
  const key = request.mode === 'navigate' && url.pathname === scope ? scope : url.pathname;
  event.respondWith(networkFirst(request, key));
});

// Gives up on the network after `ms` and aborts the request, so a relay that
// accepts connections but never answers cannot hold the browser's
// connections (and the kiosk) hostage.
async function fetchWithTimeout(request, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetchWithTimeout(request, NETWORK_TIMEOUT_MS);
  } catch (err) {
    return fromCache(cache, key, () => { throw err; });
  }
  if (response.ok && response.type === 'basic') {
    await cache.put(key, response.clone());
    return response;
  }
  // A relay behind a proxy that is down answers 502/503/504: same as offline.
  if (response.status >= 500) {
    return fromCache(cache, key, () => response);
  }
  return response;
}

async function fromCache(cache, key, otherwise) {
  const cached = await cache.match(key);
  return cached || otherwise();
}
