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
  // The relay's API is personal data and live answers: never cached.
  if (/\/api\//.test(url.pathname)) return;
  const scope = scopePath();
  if (!url.pathname.startsWith(scope)) return;
  // `/kiosk/?room=R03` and `/kiosk/` are one page: cache by path only.
  const key = request.mode === 'navigate' && url.pathname === scope ? scope : url.pathname;
  event.respondWith(networkFirst(event, request, key));
});

// Gives up on the network after `ms` and aborts the request, so a relay that
// accepts connections but never answers cannot hold the browser's
// connections (and the kiosk) hostage.
// The timeout covers the response's headers: `fetch` resolves with them,
// and the body after that is the page's to read as it arrives.
async function fetchWithTimeout(request, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

// Answers with the network's response as soon as its headers arrive within
// NETWORK_TIMEOUT_MS; the body then streams to the page as it comes, and a
// copy goes into the cache in the background (`event.waitUntil`), so the
// page never waits for the cache write, nor fails because of it. No headers
// in time, a network error or a 5xx: the cached copy answers instead.
async function networkFirst(event, request, key) {
  let response;
  try {
    response = await fetchWithTimeout(request, NETWORK_TIMEOUT_MS);
  } catch (err) {
    return fromCache(key, () => { throw err; });
  }
  if (response.ok && response.type === 'basic') {
    // Cloned now, before the page starts reading the body.
    const copy = response.clone();
    keepInBackground(event, caches.open(CACHE).then((cache) => cache.put(key, copy)));
    return response;
  }
  // A relay behind a proxy that is down answers 502/503/504: same as offline.
  if (response.status >= 500) {
    return fromCache(key, () => response);
  }
  return response;
}

// A background task the worker is kept alive for. Its failure (a body cut
// off halfway, a full disk) only means the cache keeps its older copy.
function keepInBackground(event, task) {
  const quiet = task.catch(() => {});
  try {
    event.waitUntil(quiet);
  } catch (_) {
    // The event already settled: the task still runs, unguarded.
  }
}

// The cached copy of `key`, or `otherwise()` when there is none (or the
// cache cannot be read).
async function fromCache(key, otherwise) {
  let cached;
  try {
    cached = await (await caches.open(CACHE)).match(key);
  } catch (_) {
    cached = undefined;
  }
  return cached || otherwise();
}
