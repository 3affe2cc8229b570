// Hiroba kiosk: decodes camera frames off the main thread, so the screen
// stays smooth while a frame is being searched for a QR code.
//
// A module worker that loads the kiosk's own wasm-bindgen module (the app's
// start function does nothing here: a worker has no document) and calls its
// `decode_qr_frame` export. The page posts `{ width, height, pixels }` with
// `pixels` a transferred ArrayBuffer of greyscale bytes, one frame at a time;
// the worker answers `{ text, ms }` (`text` null when the frame held no
// code) or `{ failed }` when decoding threw, after which the page replaces
// the worker (a trapped wasm instance is not safe to call again).
import init, { decode_qr_frame } from './web_kiosk.js';

const ready = init();

self.onmessage = async (event) => {
  try {
    await ready;
    const { width, height, pixels } = event.data;
    const start = performance.now();
    const text = decode_qr_frame(new Uint8Array(pixels), width, height);
    self.postMessage({ text: text ?? null, ms: performance.now() - start });
  } catch (err) {
    self.postMessage({ failed: String(err) });
  }
};
