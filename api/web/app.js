// Tablet signing page: state, header controls, routing between screens,
// inactivity lock and clearing. Screens live in screens.js, reading.js and signing.js.
// The same page runs on a patient's own phone for remote signing (remote.js):
// a gate first, then this flow for the patient side only.
import { $, announce } from './dom.js';
import { LANGS, tr } from './i18n.js';
import { Idle } from './idle.js';
import { AbortedError, ApiError, NetworkError, abortAll, call } from './net.js';
import { Ink } from './pad.js';
import { reading, disclosure } from './reading.js';
import { start, language, gone, handoff, done, enrol, showDevice } from './screens.js';
import { enrolFromLink, loadDevice } from './device.js';
import { newStaff, patientSign, staffSign } from './signing.js';
import { answerState } from './teachback.js';
import { checkLink, gate, remoteDone, remoteGone, remoteLink } from './remote.js';

const params = new URLSearchParams(location.search);
// Timeouts may be shortened (for tests or a busy desk) with ?idle=, ?warn=, ?done= (seconds), never lengthened.
const secs = (name, def) => {
  const v = Number(params.get(name));
  return v > 0 ? Math.min(v, def) * 1000 : def * 1000;
};
const SIZES = 6;
const DEFAULT_SIZE = 1;
const STAFF_ROLES = ['clinician', 'witness', 'interpreter'];

/** app is the page's single state object; app.s is null when no consent is open. */
export const app = {
  ui: 'en',
  size: DEFAULT_SIZE,
  s: null,
  // remote is the link token when the page runs as remote signing on the patient's phone.
  remote: '',
  config: { idleMs: secs('idle', 120), warnMs: secs('warn', 30), doneMs: secs('done', 8) },
  cleanup: [],
  get t() { return tr(this.ui); },
};

const SCREENS = { start, language, reading, disclosure, sign: patientSign, handoff, staff: staffSign, gone, done, enrol, gate, remoteDone };

/** render draws the current screen from scratch. */
export function render(opts = {}) {
  for (const f of app.cleanup.splice(0)) f();
  const step = app.s ? app.s.step : app.screen || 'start';
  document.body.dataset.step = step;
  const main = $('main');
  main.replaceChildren();
  SCREENS[step](main, opts);
  updateChrome();
  if (!opts.keepFocus) (main.querySelector('[data-autofocus]') || main.querySelector('h1') || main).focus();
  if (['start', 'done', 'enrol', 'gate', 'remoteDone'].includes(step)) idle.stop();
  else idle.start();
}

/** go moves the open session to another step. */
export function go(step, opts) {
  app.s.step = step;
  render(opts);
}

/** newSession holds everything about one open consent; it is dropped whole on reset. */
function newSession(token, view) {
  const locales = LANGS.map(([l]) => l).filter((l) => view.locales.includes(l));
  const acks = {};
  for (const a of view.acknowledgments || []) acks[`${a.locale}|${a.section}`] = a.at;
  return {
    token, view, acks, locales, step: 'language', index: 0, disclosure: false, answers: answerState(view.answer_attempts),
    locale: locales.includes(app.ui) ? app.ui : view.locale,
    role: 'patient', name: '', relationship: '', mode: 'drawn', typed: '', ink: new Ink(), pending: null,
    staff: newStaff(),
  };
}

/** open loads a consent by token and shows its first step. */
export async function open(token) {
  const view = await call('GET', `/v1/signing/${encodeURIComponent(token)}`, { retries: 2 });
  app.s = newSession(token, view);
  route();
}

/** route picks the next step from what is signed: patient side first, then staff. */
export function route() {
  const s = app.s;
  const v = s.view;
  const signed = v.signed_roles || [];
  const patientSide = signed.includes('patient') || signed.includes('representative');
  const needsPatient = v.required_signers.includes('patient') || v.required_signers.includes('representative');
  if (needsPatient && !patientSide) {
    go(s.locales.length > 1 ? 'language' : 'reading');
    return;
  }
  forgetPatient();
  if (app.remote) { // the clinic countersigns later, never on the patient's phone
    finish();
    return;
  }
  s.staffRole = v.required_signers.find((r) => STAFF_ROLES.includes(r) && !signed.includes(r));
  if (s.staffRole) go('handoff');
  else finish();
}

/** forgetPatient drops the document and everything the patient typed or drew. */
export function forgetPatient() {
  const s = app.s;
  s.view = { ...s.view, documents: {} };
  Object.assign(s, { acks: {}, name: '', relationship: '', typed: '', ink: new Ink(), pending: null });
}

/** leaveLink drops a finished or dead /sign/<token> from the address bar (a reload opens the kiosk start). */
function leaveLink() {
  if (app.remote) return; // a reload asks the server, which says the link was used
  if (location.pathname !== '/sign') history.replaceState(null, '', '/sign' + location.search);
}

/** finish shows the thank-you screen with no patient data, then returns to the start. */
export function finish() {
  abortAll();
  app.s = null;
  if (app.remote) {
    app.screen = 'remoteDone';
    render();
    return;
  }
  app.screen = 'done';
  leaveLink();
  render();
  const timer = setTimeout(() => reset(), app.config.doneMs);
  app.cleanup.push(() => clearTimeout(timer));
}

/** showGone replaces the session with a message for an expired, finished or unknown consent. */
export function showGone(err) {
  abortAll();
  if (app.remote) {
    remoteGone(err);
    return;
  }
  app.s = null;
  app.screen = 'gone';
  app.gone = err instanceof ApiError && err.status === 404 ? 'notfound' : err instanceof ApiError && err.field === 'expires_at' ? 'expired' : 'gone';
  leaveLink();
  render();
}

/** reset clears every trace of the session and shows the kiosk start. */
export function reset(notice) {
  abortAll();
  $('idle').open && $('idle').close();
  app.s = null;
  if (app.remote) { // back to the gate: the next person must prove the birth date again
    app.notice = notice || '';
    checkLink();
    return;
  }
  app.screen = 'start';
  app.notice = notice || '';
  app.ui = 'en';
  app.size = DEFAULT_SIZE;
  leaveLink();
  render();
}

/**
 * explain turns an error into a message for the signer, or handles it itself
 * (gone, aborted) and returns ''.
 */
export function explain(err) {
  const t = app.t;
  if (err instanceof AbortedError) return '';
  if (err instanceof NetworkError) return t.network;
  if (!(err instanceof ApiError)) return t.serverError;
  if (err.status === 410 || err.status === 404) {
    showGone(err);
    return '';
  }
  if (err.status === 429) return err.field === 'staff.pin' ? t.pinLocked : t.rateLimited;
  if (err.field === 'staff.pin' || err.field === 'staff.id' || err.field === 'staff') return t.wrongPin;
  if (err.field.startsWith('signature.strokes')) return t.badSignature;
  if (err.field === 'signature.text') return t.typedMismatch;
  if (err.status === 400 && app.ui === 'en') return err.message;
  return `${t.serverError} (${err.message})`;
}

/** busy runs f with the page marked busy (language switching off). */
export async function busy(f) {
  document.body.classList.add('busy');
  updateChrome();
  try {
    return await f();
  } finally {
    document.body.classList.remove('busy');
    updateChrome();
  }
}

function setLang(lang) {
  if (document.body.classList.contains('busy')) return;
  app.ui = lang;
  const s = app.s;
  if (s && s.locales.includes(lang) && s.view.documents[lang]) {
    s.locale = lang;
    // Acknowledgments count per locale: send the signer back to the first one missing.
    if (s.step === 'disclosure' || s.step === 'sign') {
      const secs = s.view.documents[lang].sections;
      const i = secs.findIndex((x) => x.requires_acknowledgment && !s.acks[`${lang}|${x.key}`]);
      if (i >= 0) Object.assign(s, { step: 'reading', index: i });
    }
  }
  render({ keepFocus: true });
  announce(app.t.brand);
}

function updateChrome() {
  const t = app.t;
  document.documentElement.lang = app.ui;
  document.documentElement.className = `size-${app.size}`;
  $('brand').textContent = t.brand;
  document.querySelector('.skip').textContent = t.skip;
  $('lang-group').setAttribute('aria-label', t.langGroup);
  $('size-group').setAttribute('aria-label', t.sizeGroup);
  // The visible A−/A+ starts each button's name (WCAG 2.5.3: speech users say what they see).
  $('smaller-name').textContent = ` ${t.smaller}`;
  $('larger-name').textContent = ` ${t.larger}`;
  $('smaller').disabled = app.size === 0;
  $('larger').disabled = app.size === SIZES - 1;
  const busyNow = document.body.classList.contains('busy');
  const allowed = app.s && app.s.step !== 'handoff' && app.s.step !== 'staff' ? app.s.locales : LANGS.map(([l]) => l);
  for (const b of document.querySelectorAll('.lang')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === app.ui));
    b.hidden = !allowed.includes(b.dataset.lang);
    b.disabled = busyNow;
  }
}

const idle = new Idle({
  idleMs: app.config.idleMs,
  warnMs: app.config.warnMs,
  onWarn(left) {
    $('idle-title').textContent = app.t.idleTitle;
    $('idle-body').textContent = app.t.idleBody(left);
    $('still-here').textContent = app.t.stillHere;
    $('idle').showModal();
    $('still-here').focus();
  },
  onTick(left) {
    const text = app.t.idleBody(left);
    if ($('idle-body').textContent !== text) $('idle-body').textContent = text;
  },
  onLock() {
    reset('locked');
  },
});

function stillHere() {
  if ($('idle').open) $('idle').close();
  idle.reset();
}

function boot() {
  for (const b of document.querySelectorAll('.lang')) b.addEventListener('click', () => setLang(b.dataset.lang));
  $('smaller').addEventListener('click', () => { app.size = Math.max(0, app.size - 1); updateChrome(); });
  $('larger').addEventListener('click', () => { app.size = Math.min(SIZES - 1, app.size + 1); updateChrome(); });
  $('still-here').addEventListener('click', stillHere);
  $('idle').addEventListener('cancel', (e) => { e.preventDefault(); stillHere(); });
  window.addEventListener('pagehide', () => { app.s = null; });
  app.remote = remoteLink();
  if (app.remote) {
    checkLink();
    return;
  }
  if (location.pathname === '/enrol') {
    app.screen = 'enrol';
    app.enrolFailed = false;
    render();
    enrolFromLink()
      .then(() => { history.replaceState(null, '', '/sign'); reset(); showDevice(); })
      .catch(() => { app.enrolFailed = true; render(); });
    return;
  }
  const m = location.pathname.match(/^\/sign\/([^/]+)\/?$/);
  if (m) {
    app.screen = 'start';
    app.opening = true;
    render();
    open(decodeURIComponent(m[1]))
      .catch((err) => {
        if (err instanceof NetworkError) {
          app.screen = 'gone';
          app.gone = 'network';
          render();
          return;
        }
        const msg = explain(err);
        if (msg) { app.startError = msg; reset(); }
      })
      .finally(() => { app.opening = false; });
  } else {
    reset();
  }
  // After reset (which aborts requests in flight): is this an enrolled tablet?
  loadDevice().then(showDevice);
}

boot();
