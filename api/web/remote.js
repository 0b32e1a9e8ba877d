// Remote signing: the same page on the patient's own phone, opened from a
// link the clinic sent (/remote/<link token>). Before anything of the consent
// is loaded, the gate asks for the date of birth (and the one-time code, when
// the link has one); the right answers give a signing session token, and from
// there the kiosk's own reading, acknowledgment and signing flow runs. When
// the patient side is signed the phone says so and stops: the clinic
// countersigns later.
import { h, put } from './dom.js';
import { app, busy, explain, open, render } from './app.js';
import { ApiError, NetworkError, call } from './net.js';
import { bilingual } from './screens.js';

/** remoteLink returns the link token of a /remote/<token> address, or ''. */
export function remoteLink() {
  const m = location.pathname.match(/^\/remote\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : '';
}

/** checkLink asks the server whether the link works and what the gate asks; nothing of the consent. */
export async function checkLink() {
  app.screen = 'gate';
  app.gate = null;
  render();
  try {
    app.gate = await call('GET', `/v1/remote/${encodeURIComponent(app.remote)}`, { retries: 2 });
    render();
  } catch (err) {
    remoteGone(err);
  }
}

/** remoteGone shows why the link no longer works (used, locked, expired, unknown). */
export function remoteGone(err) {
  app.s = null;
  app.screen = 'gone';
  if (err instanceof NetworkError) app.gone = 'network';
  else if (err instanceof ApiError && err.status === 404) app.gone = 'notfound';
  else if (err instanceof ApiError && err.field === 'used_at') app.gone = 'used';
  else if (err instanceof ApiError && err.field === 'locked_at') app.gone = 'locked';
  else if (err instanceof ApiError && err.field === 'expires_at') app.gone = 'expired';
  else app.gone = 'gone';
  render();
}

/** gate asks for the date of birth (and code) before anything else is shown. */
export function gate(main) {
  const t = app.t;
  if (!app.gate) {
    put(main, h('h1', { tabindex: '-1' }, t.opening));
    return;
  }
  const err = h('p', { class: 'error', role: 'alert', id: 'gate-error' });
  const dob = h('input', { id: 'birth-date', name: 'birth_date', type: 'date', autocomplete: 'bday', required: true,
    'aria-describedby': 'gate-error', 'data-autofocus': '' });
  const code = app.gate.require_code ? h('input', { id: 'remote-code', name: 'code', type: 'text', inputmode: 'numeric',
    autocomplete: 'one-time-code', maxlength: '8', class: 'code', 'aria-describedby': 'remote-code-hint gate-error' }) : null;
  const button = h('button', { type: 'submit', class: 'primary big', id: 'gate-submit' }, t.gateSubmit);
  const form = h('form', { class: 'card', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
    h('div', { class: 'field' }, h('label', { for: 'birth-date', class: 'label' }, t.birthDate), dob),
    code ? h('div', { class: 'field' }, h('label', { for: 'remote-code', class: 'label' }, t.remoteCode),
      h('p', { class: 'hint', id: 'remote-code-hint' }, t.remoteCodeHint), code) : null,
    err, button);
  if (app.notice === 'locked') put(main, bilingual('p', 'locked', 'notice'));
  put(main, h('h1', { tabindex: '-1' }, t.gateTitle), h('p', { class: 'lead' }, app.gate.require_code ? t.gateIntroCode : t.gateIntro), form);

  async function submit() {
    if (button.disabled) return;
    const body = { birth_date: dob.value };
    if (code) body.code = code.value.replace(/\s/g, '');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(body.birth_date) || (code && !/^\d{6,8}$/.test(body.code))) {
      err.textContent = t.gateIncomplete;
      (body.birth_date ? code : dob).focus();
      return;
    }
    button.disabled = true;
    button.textContent = t.checking;
    err.textContent = '';
    try {
      const r = await busy(() => call('POST', `/v1/remote/${encodeURIComponent(app.remote)}/open`, { body, retries: 2 }));
      await open(r.token);
    } catch (e) {
      if (!button.isConnected) return;
      if (e instanceof ApiError && e.status === 410) {
        remoteGone(e);
        return;
      }
      button.disabled = false;
      button.textContent = t.gateSubmit;
      err.textContent = e instanceof ApiError && e.status === 403 ? t.gateWrong : explain(e);
      dob.setAttribute('aria-invalid', 'true');
      dob.focus();
    }
  }
}

/** remoteDone thanks the patient: their side is signed, the clinic countersigns later. */
export function remoteDone(main) {
  put(main, h('div', { class: 'card center done', id: 'remote-done' },
    h('div', { class: 'tick', 'aria-hidden': 'true' }, '✓'),
    h('h1', { tabindex: '-1' }, app.t.remoteDoneTitle),
    bilingual('p', 'remoteDoneBody')));
}
