// Public verification page: checks an uploaded PDF (POST /v1/public/verify)
// or the consent a printed link names (/verify/c/<token> →
// GET /v1/public/verify/<token>) and shows the facts to compare with paper.
// No API key, no cookies, nothing stored in the browser.
import { strings, pick } from './strings.js';

// The server refuses anything larger (consent.MaxSealedPDFBytes); checking
// here spares a useless upload.
const MAX_BYTES = 8 << 20;

let lang = pick();
let last = null; // the last answer shown, redrawn when the language changes

const $ = (id) => document.getElementById(id);
const t = () => strings[lang];

/** el builds an element with text content (never HTML) and children. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** paperTime prints an API time as the PDF prints it: "2026-11-25 09:44:00.123 UTC". */
function paperTime(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(iso || '');
  return m ? `${m[1]} ${m[2]} UTC` : String(iso || '');
}

/** day prints the date of an API time in the reader's language, in UTC. */
function day(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return d.toLocaleDateString(lang === 'es' ? 'es' : 'en', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

function applyLanguage() {
  document.documentElement.lang = lang;
  const s = t();
  for (const e of document.querySelectorAll('[data-t]')) {
    const v = s[e.dataset.t];
    if (typeof v === 'string') e.textContent = v;
  }
  document.title = s.title;
  for (const b of document.querySelectorAll('.lang')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  if (last) show(last);
}

/** show draws an outcome: {state, body?, message?}. */
function show(outcome) {
  last = outcome;
  const s = t();
  const r = $('result');
  r.dataset.state = outcome.state;
  r.replaceChildren();
  if (outcome.state === 'busy') {
    r.append(el('p', { class: 'busy' }, outcome.link ? s.loadingLink : s.checking));
    return;
  }
  if (outcome.state === 'error') {
    r.append(el('div', { class: 'box bad' }, el('h2', {}, s.invalidTitle), el('p', {}, outcome.message(s))));
    return;
  }
  if (outcome.state === 'notfound') {
    r.append(el('div', { class: 'box bad' }, el('h2', {}, s.notFoundTitle), el('p', {}, s.notFoundBody)));
    return;
  }
  const v = outcome.body;
  if (!v.valid) {
    const why = s.reasons[v.reason] || s.reasons.not_a_consent;
    const box = el('div', { class: 'box bad' }, el('h2', {}, '✗ ' + s.invalidTitle), el('p', {}, why));
    if (v.file_sha256) box.append(facts([[s.facts.fileHash, v.file_sha256, 'hash']]));
    r.append(box);
    return;
  }
  let title = s.validTitle;
  let body = v.kind === 'withdrawn' ? s.validWithdrawalBody(v.issuer) : s.validBody(v.issuer);
  if (outcome.link) {
    title = s.recordTitle;
    body = s.recordBody(v.issuer);
  }
  const ended = v.status !== 'signed';
  const box = el('div', { class: 'box ok' }, el('h2', {}, '✓ ' + title), el('p', {}, body));
  r.append(box);
  let status = s.statusSigned;
  if (v.status === 'withdrawn') status = s.statusWithdrawn(day(v.status_changed_at));
  else if (v.status === 'voided') status = s.statusVoided(day(v.status_changed_at));
  else if (ended) status = s.statusOther(v.status);
  r.append(el('p', { class: ended ? 'status ended' : 'status', id: 'status' }, `${s.facts.status}: ${status}`));
  const rows = [];
  if (v.kind) rows.push([s.facts.kind, s.kinds[v.kind] || v.kind]);
  rows.push([s.facts.consentId, v.consent_id, 'id']);
  if (v.template) {
    rows.push([s.facts.document, v.template.title]);
    rows.push([s.facts.template, `${v.template.slug} · ${s.facts.version} ${v.template.version}`]);
    rows.push([s.facts.language, `${s.languages[v.template.locale] || v.template.locale} (${v.template.locale})`]);
  }
  rows.push([s.facts.signedAt, paperTime(v.signed_at)]);
  const signers = el('ul', { class: 'signers' });
  for (const sg of v.signers || []) signers.append(el('li', {}, `${s.roles[sg.role] || sg.role}: ${paperTime(sg.signed_at)}`));
  rows.push([s.facts.signers, signers]);
  rows.push([s.facts.contentHash, v.content_sha256, 'hash']);
  if (v.file_sha256) rows.push([s.facts.fileHash, v.file_sha256, 'hash']);
  if (v.cert_sha256) rows.push([s.facts.certHash, v.cert_sha256, 'hash']);
  r.append(facts(rows), el('p', { class: 'compare' }, s.compare));
}

/** facts lays out [label, value, class] rows as a description list. */
function facts(rows) {
  const dl = el('dl', { class: 'facts' });
  for (const [k, v, cls] of rows) dl.append(el('dt', {}, k), el('dd', cls ? { class: cls } : {}, v));
  return dl;
}

/** answer turns a response into an outcome. */
async function answer(resp, link) {
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (resp.ok && body) return { state: body.valid ? 'valid' : 'invalid', body, link };
  const code = (body && body.error && body.error.code) || '';
  if (resp.status === 404 && link) return { state: 'notfound' };
  const key = { too_large: 'too_large', unprocessable: 'unprocessable', rate_limited: 'rate_limited', unavailable: 'unavailable' }[code] || 'other';
  return { state: 'error', message: (s) => s.errors[key] };
}

async function checkFile(file) {
  if (!file) return;
  if (!/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') {
    show({ state: 'error', message: (s) => s.errors.notPDF });
    return;
  }
  if (file.size > MAX_BYTES) {
    show({ state: 'error', message: (s) => s.errors.too_large });
    return;
  }
  show({ state: 'busy' });
  try {
    const resp = await fetch('/v1/public/verify', { method: 'POST', body: file, headers: { 'Content-Type': 'application/pdf' }, credentials: 'omit', cache: 'no-store' });
    show(await answer(resp, false));
  } catch {
    show({ state: 'error', message: (s) => s.errors.network });
  }
  $('result').focus();
}

/** checkLink looks up a printed link's token (path-encoded). */
async function checkLink(token) {
  $('link-note').hidden = false;
  show({ state: 'busy', link: true });
  try {
    const resp = await fetch('/v1/public/verify/' + token, { credentials: 'omit', cache: 'no-store' });
    show(await answer(resp, true));
  } catch {
    show({ state: 'error', message: (s) => s.errors.network });
  }
}

function init() {
  $('result').tabIndex = -1;
  for (const b of document.querySelectorAll('.lang')) {
    b.addEventListener('click', () => {
      lang = b.dataset.lang;
      applyLanguage();
    });
  }
  const input = $('file');
  input.addEventListener('change', () => {
    checkFile(input.files && input.files[0]);
    input.value = '';
  });
  const drop = $('drop');
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    checkFile(e.dataTransfer && e.dataTransfer.files[0]);
  });
  // A file dropped anywhere else must not make the browser navigate away.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  applyLanguage();
  // The token is passed on as it stands in the path (still percent-encoded,
  // never decoded here: a malformed escape must not break the page).
  const m = /^\/verify\/c\/([^/]+)$/.exec(location.pathname);
  if (m) checkLink(m[1]);
}

init();
