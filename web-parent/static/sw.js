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
  // The relay's API is personal data and live answers: never cached.
  if (/\/api\//.test(url.pathname)) return;
  const scope = scopePath();
  if (!url.pathname.startsWith(scope)) return;
  // Every navigation inside the scope is the one page (routes are hashes).
  const key = request.mode === 'navigate' ? scope : url.pathname;
  event.respondWith(networkFirst(event, request, key));
});

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
