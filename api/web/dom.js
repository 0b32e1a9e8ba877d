// Small DOM helpers: elements are built with h(), never from HTML strings
// (except the server-rendered document bodies).

/**
 * h builds an element. attrs: "class", "html" (trusted server HTML), "on<event>"
 * handlers, booleans set as properties, everything else as attributes.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'html') el.innerHTML = v;
    else if (typeof v === 'boolean') el[k] = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** $ finds one element by id. */
export const $ = (id) => document.getElementById(id);

/** announce says text to screen readers through the polite live region. */
export function announce(text) {
  const live = $('live');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 50);
}

/** sleep resolves after ms, or rejects when signal aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); });
  });
}

/** put appends children to el, skipping null and false. */
export function put(el, ...children) {
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
}
