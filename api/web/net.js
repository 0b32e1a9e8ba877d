// API calls for the tablet: JSON in and out, an X-Device-ID per tablet, retries
// on dropped connections with the same body and Idempotency-Key.
import { sleep } from './dom.js';

const DEVICE_KEY = 'consentd.device-id';

/** uuid returns a random UUID v4 (works without a secure context). */
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** deviceId names this tablet (random, stored locally; not patient data). */
export function deviceId() {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      id = uuid();
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    return '';
  }
}

/** ApiError is an error answer from the server: {error: {code, message, field}}. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.field = e.field || '';
  }
}

/** NetworkError means the server could not be reached (after retries). */
export class NetworkError extends Error {}

/** AbortedError means the session was reset while the request was running. */
export class AbortedError extends Error {}

let controller = new AbortController();

/** abortAll cancels every request in flight (used when the session is cleared). */
export function abortAll() {
  controller.abort();
  controller = new AbortController();
}

/**
 * call sends one request. body is sent byte-identical on every retry; retries
 * happen only when the connection fails or a gateway answers 502-504.
 * onRetry(attempt) lets the page say that it is trying again.
 */
export async function call(method, path, { body, idempotencyKey, retries = 0, onRetry } = {}) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const signal = controller.signal;
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json', 'X-Client-Time': new Date().toISOString() };
    const dev = deviceId();
    if (dev) headers['X-Device-ID'] = dev;
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    let status = 0;
    let data = null;
    try {
      // same-origin: an enrolled tablet's device cookie (scoped to /v1/signing) goes with its requests.
      const res = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store', credentials: 'same-origin' });
      status = res.status;
      const text = await res.text();
      data = text ? JSON.parse(text) : null;
    } catch (err) {
      if (signal.aborted) throw new AbortedError('aborted');
      if (status === 0 || err instanceof TypeError) status = 0; // connection failed or body cut off
      else if (status >= 200 && status < 300) status = 0; // unreadable success body: ask again
    }
    const retryable = status === 0 || (status >= 502 && status <= 504);
    if (!retryable) {
      if (status >= 200 && status < 300) return data;
      throw new ApiError(status, data);
    }
    if (attempt >= retries) throw new NetworkError('network');
    if (onRetry) onRetry(attempt + 1);
    try {
      await sleep(Math.min(4000, 500 * 2 ** attempt), signal);
    } catch {
      throw new AbortedError('aborted');
    }
  }
}
