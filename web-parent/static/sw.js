// Hiroba parent app service worker (scope /parent/): the app must open with
// no network once it has been opened online once, so a guardian can show
// the QR pass at the counter in a basement room with no signal.
//
// Design — as the kiosk's worker: network first for the app shell, the
// cache only as a fallback (so a new build reaches phones on their next
// online start, and the JS glue and the wasm never come from two builds
// while online). The shell is precached on install; activation deletes
// other `hiroba-parent-*` caches.
//
// Data is not this worker's business: the family, the pass and the
// documents live in localStorage, and /api/ answers (personal data) are
// never cached here — requests outside the scope are left alone.
'use strict';

const CACHE = 'hiroba-parent-v1';
const CACHE_PREFIX = 'hiroba-parent-';
const NETWORK_TIMEOUT_MS = 4000;
const SHELL = [
  './', './index.html', './app.css', './web_parent.js', './web_parent_bg.wasm',
  './manifest.webmanifest', './icons/icon-192.png', './icons/icon-512.png',
  './icons/maskable-192.png', './icons/maskable-512.png', './icons/apple-touch-icon.png',
];

const scopePath = () => new URL(self.registration.scope).pathname;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
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
  // Every navigation inside the scope is the one page (routes are hashes).
  const key = request.mode === 'navigate' ? scope : url.pathname;
  event.respondWith(networkFirst(request, key));
});

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
  if (response.status >= 500) {
    return fromCache(cache, key, () => response);
  }
  return response;
}

async function fromCache(cache, key, otherwise) {
  const cached = await cache.match(key);
  return cached || otherwise();
}
