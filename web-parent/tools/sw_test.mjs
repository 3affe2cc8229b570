// Unit tests for the service workers' fetch handling (web-parent/static/sw.js
// and web-kiosk/static/sw.js), run by node with no browser:
//
//   node web-parent/tools/sw_test.mjs web-parent/static/sw.js web-kiosk/static/sw.js
//
// Each worker runs in a fresh `vm` context with a fake `self`, `caches`,
// `fetch` and timers, so a test decides when headers and bodies arrive.
// `cargo test -p web-parent --test service_workers` runs this file.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import assert from 'node:assert/strict';

const SCOPE = 'https://hiroba.test/app/';

// A fake Cache Storage: one cache per name, entries by URL path.
function fakeCaches({ putFails = false } = {}) {
  const stores = new Map();
  const puts = [];
  const open = async (name) => {
    if (!stores.has(name)) stores.set(name, new Map());
    const store = stores.get(name);
    const path = (key) => new URL(typeof key === 'string' ? key : key.url, SCOPE).pathname;
    return {
      match: async (key) => store.get(path(key))?.clone(),
      put: async (key, response) => {
        puts.push(path(key));
        const body = await response.arrayBuffer(); // the whole body, as a real put
        if (putFails) throw new Error('quota exceeded');
        store.set(path(key), new Response(body, { status: response.status, headers: response.headers }));
      },
      addAll: async () => {},
    };
  };
  return {
    puts,
    stores,
    api: {
      open,
      match: async () => undefined,
      keys: async () => [...stores.keys()],
      delete: async (name) => stores.delete(name),
    },
  };
}

// A response whose headers are there now and whose body comes only when
// `finish()` is called (a stalled download on a weak signal).
function stalledResponse(text) {
  let finish;
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text.slice(0, 3)));
      finish = () => {
        controller.enqueue(new TextEncoder().encode(text.slice(3)));
        controller.close();
      };
    },
  });
  const response = new Response(body, { status: 200 });
  Object.defineProperty(response, 'type', { value: 'basic' });
  return { response, finish: () => finish() };
}

function basic(text, status = 200) {
  const response = new Response(text, { status });
  Object.defineProperty(response, 'type', { value: 'basic' });
  return response;
}

// Loads the worker with `fetchImpl`; returns a way to dispatch a fetch.
function load(file, { fetchImpl, caches }) {
  const listeners = {};
  const timers = [];
  const context = {
    self: {
      registration: { scope: SCOPE },
      location: new URL(SCOPE),
      addEventListener: (type, f) => { listeners[type] = f; },
      skipWaiting: async () => {},
      clients: { claim: async () => {} },
    },
    caches: caches.api,
    fetch: fetchImpl,
    // Timers fire only when a test says the time has come.
    setTimeout: (f) => { timers.push(f); return timers.length; },
    clearTimeout: (id) => { timers[id - 1] = null; },
    URL, Request, Response, AbortController, console,
  };
  vm.runInNewContext(readFileSync(file, 'utf8'), context, { filename: file });
  const dispatch = (path, mode = 'no-cors') => {
    let answer = null;
    const lifetime = [];
    listeners.fetch({
      request: { url: new URL(path, SCOPE).href, method: 'GET', mode },
      respondWith: (p) => { answer = p; },
      waitUntil: (p) => { lifetime.push(p); },
    });
    return { answer, lifetime };
  };
  const fireTimers = () => timers.splice(0).forEach((f) => f && f());
  return { dispatch, fireTimers };
}

// Resolves to 'pending' if `promise` has not settled after a few turns.
async function settledWithin(promise) {
  const pending = new Promise((resolve) => setTimeout(() => resolve('pending'), 50));
  return Promise.race([promise, pending]);
}

const cases = {
  async 'answers as soon as the headers arrive, caches the body in the background'(file) {
    const caches = fakeCaches();
    const stalled = stalledResponse('app shell');
    const sw = load(file, { caches, fetchImpl: async () => stalled.response });
    const { answer, lifetime } = sw.dispatch('app.css');
    const response = await settledWithin(answer);
    assert.notEqual(response, 'pending', 'the page got the response while its body was still coming');
    assert.equal(response.status, 200);
    assert.equal(lifetime.length, 1, 'the cache write is handed to event.waitUntil');
    assert.equal(await settledWithin(lifetime[0]), 'pending', 'the cache write waits for the body, the page does not');
    stalled.finish();
    assert.equal(await response.text(), 'app shell', 'the page reads the whole body');
    await lifetime[0];
    const cached = await (await caches.api.open([...caches.stores.keys()][0])).match('app.css');
    assert.equal(await cached.text(), 'app shell', 'then the copy is in the cache');
  },

  async 'falls back to the cache when no headers come in time'(file) {
    const caches = fakeCaches();
    let calls = 0;
    const sw = load(file, {
      caches,
      fetchImpl: (request, init) => {
        calls += 1;
        if (calls === 1) return Promise.resolve(basic('old shell'));
        // Never answers until aborted, as a relay that stopped talking.
        return new Promise((_, reject) => {
          init.signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
      },
    });
    const first = sw.dispatch('index.html');
    await (await first.answer).text();
    await Promise.all(first.lifetime);
    const second = sw.dispatch('index.html');
    assert.equal(await settledWithin(second.answer), 'pending');
    sw.fireTimers(); // NETWORK_TIMEOUT_MS has passed
    assert.equal(await (await second.answer).text(), 'old shell');
  },

  async 'falls back to the cache on a network error or a 5xx'(file) {
    const caches = fakeCaches();
    let next = () => basic('v1');
    const sw = load(file, { caches, fetchImpl: async () => next() });
    const first = sw.dispatch('app.js');
    await (await first.answer).text();
    await Promise.all(first.lifetime);
    next = () => { throw new TypeError('Failed to fetch'); };
    assert.equal(await (await sw.dispatch('app.js').answer).text(), 'v1');
    next = () => basic('bad gateway', 502);
    assert.equal(await (await sw.dispatch('app.js').answer).text(), 'v1');
    // Nothing cached: the error stands.
    next = () => { throw new TypeError('Failed to fetch'); };
    await assert.rejects(sw.dispatch('other.js').answer);
  },

  async 'a failed cache write never fails the page'(file) {
    const caches = fakeCaches({ putFails: true });
    let unhandled = null;
    const onUnhandled = (reason) => { unhandled = reason; };
    process.on('unhandledRejection', onUnhandled);
    try {
      const sw = load(file, { caches, fetchImpl: async () => basic('fresh') });
      const { answer, lifetime } = sw.dispatch('app.css');
      assert.equal(await (await answer).text(), 'fresh');
      await Promise.all(lifetime); // settles, quietly
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(unhandled, null, 'no unhandled rejection');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  },

  async 'the API is never answered from or written to the cache'(file) {
    const caches = fakeCaches();
    const sw = load(file, { caches, fetchImpl: async () => basic('{}') });
    assert.equal(sw.dispatch('https://hiroba.test/api/family').answer, null);
    assert.equal(sw.dispatch('https://hiroba.test/app/api/x').answer, null);
    assert.deepEqual(caches.puts, []);
  },
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node sw_test.mjs <sw.js>...');
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  for (const [name, test] of Object.entries(cases)) {
    try {
      await test(file);
      console.log(`ok   ${file}: ${name}`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${file}: ${name}\n     ${err && err.stack || err}`);
    }
  }
}
process.exit(failed ? 1 : 0);
