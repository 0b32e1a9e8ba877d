// Screens without a document: kiosk start, language choice, hand-off,
// thank-you and "can no longer be signed".
import { h, put } from './dom.js';
import { LANGS, STRINGS, other, tr } from './i18n.js';
import { app, busy, explain, go, open, reset } from './app.js';
import { ApiError, call } from './net.js';
import { device } from './device.js';

/** bilingual shows a message in the interface language with the other language below it. */
export function bilingual(tag, key, cls) {
  const second = other(app.ui);
  return h('div', { class: `bilingual ${cls || ''}` },
    h(tag, { class: 'primary-text' }, STRINGS[app.ui][key]),
    h('p', { class: 'secondary-text', lang: second }, STRINGS[second][key]));
}

/** start is the kiosk start: enter a signing code. */
export function start(main) {
  const t = app.t;
  const err = h('p', { class: 'error', role: 'alert', id: 'code-error' }, app.startError || '');
  app.startError = '';
  const input = h('input', {
    id: 'code', name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: '24', 'aria-describedby': 'code-hint code-error', class: 'code', 'data-autofocus': '', enterkeyhint: 'go',
  });
  const button = h('button', { type: 'submit', class: 'primary big', id: 'start' }, t.start);
  if (app.opening) {
    put(main, h('h1', { tabindex: '-1' }, t.opening));
    return;
  }
  const form = h('form', { class: 'card', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
    h('label', { for: 'code', class: 'label' }, t.codeLabel),
    h('p', { class: 'hint', id: 'code-hint' }, t.codeHint),
    input, err, button);
  if (app.notice === 'locked') put(main, bilingual('p', 'locked', 'notice'));
  put(main, 
    h('h1', { tabindex: '-1' }, t.startTitle),
    h('p', { class: 'lead' }, t.startIntro),
    form,
    h('p', { class: 'hint device', id: 'device-note' }, device.enrolled ? t.enrolledAs(device.name) : ''));

  async function submit() {
    const code = input.value.toUpperCase().replace(/[\s-]/g, '');
    app.notice = '';
    if (!/^[A-Z0-9]{8}$/.test(code)) {
      err.textContent = t.codeShape;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    err.textContent = '';
    button.disabled = true;
    button.textContent = t.opening;
    try {
      await busy(async () => {
        const r = await call('POST', `/v1/signing/codes/${code}`, { retries: 2 });
        input.value = '';
        await open(r.token);
      });
    } catch (e) {
      if (!button.isConnected) return; // the session opened (or was reset) meanwhile
      button.disabled = false;
      button.textContent = t.start;
      if (e instanceof ApiError && e.status === 404) err.textContent = t.codeNotFound;
      else err.textContent = explain(e);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }
}

/** language asks which language to read and sign in (every frozen locale is offered). */
export function language(main) {
  const s = app.s;
  put(main, 
    h('h1', { tabindex: '-1' }, LANGS.filter(([l]) => s.locales.includes(l)).map(([l]) => h('span', { lang: l, class: 'choose' }, tr(l).chooseTitle))),
    h('div', { class: 'choices' }, LANGS.filter(([l]) => s.locales.includes(l)).map(([l, name]) =>
      h('button', {
        type: 'button', class: `choice${l === s.locale ? ' selected' : ''}`, lang: l, 'data-choose': l,
        onclick: () => {
          s.locale = l;
          app.ui = l;
          s.index = 0;
          go('reading');
        },
      }, name))));
}

/** handoff asks the patient to pass the tablet on; it shows nothing about the patient. */
export function handoff(main) {
  const t = app.t;
  put(main, 
    h('div', { class: 'card center' },
      h('h1', { tabindex: '-1' }, t.handoffTitle),
      h('p', { class: 'lead' }, t.handoffBody),
      h('button', { type: 'button', class: 'primary big', id: 'handoff-continue', 'data-autofocus': '', onclick: () => go('staff') }, t.handoffButton)));
}

/** done thanks the signer; the session is already gone. */
export function done(main) {
  put(main, h('div', { class: 'card center done' },
    h('div', { class: 'tick', 'aria-hidden': 'true' }, '✓'),
    h('h1', { tabindex: '-1' }, app.t.doneTitle),
    bilingual('p', 'doneBody')));
}

/** gone says why this consent cannot be signed here, in both languages. */
export function gone(main) {
  const reasons = app.remote ? {
    expired: ['expiredTitle', 'remoteExpiredBody'], notfound: ['goneTitle', 'remoteNotFound'], gone: ['goneTitle', 'remoteGoneBody'],
    used: ['usedTitle', 'usedBody'], locked: ['lockedTitle', 'lockedBody'], network: ['networkTitle', 'network'],
  } : { expired: ['expiredTitle', 'expiredBody'], notfound: ['goneTitle', 'linkNotFound'],
    gone: ['goneTitle', 'goneBody'], network: ['networkTitle', 'network'] };
  const [title, body] = reasons[app.gone] || reasons.gone;
  const retry = app.gone === 'network'; // a link opened with no connection: keep it and reload
  const second = other(app.ui);
  put(main, h('div', { class: 'card center gone', id: 'gone', 'data-reason': app.gone },
    h('h1', { tabindex: '-1' }, h('span', { class: 'choose' }, app.t[title]),
      h('span', { class: 'choose', lang: second }, tr(second)[title])),
    bilingual('p', body),
    // On the patient's phone there is no start to go back to.
    app.remote && !retry ? null : h('button', { type: 'button', class: 'primary big', onclick: () => (retry ? location.reload() : reset()) },
      retry ? app.t.tryAgain : app.t.backToStart)));
}

/** showDevice updates the start screen's note once the server said whether this tablet is enrolled. */
export function showDevice() {
  const note = document.getElementById('device-note');
  if (note) note.textContent = device.enrolled ? app.t.enrolledAs(device.name) : '';
}

/** enrol shows the enrolment of this tablet in progress, or why it failed. */
export function enrol(main) {
  const t = app.t;
  if (!app.enrolFailed) {
    put(main, h('div', { class: 'card center' }, h('h1', { tabindex: '-1' }, t.enrolling)));
    return;
  }
  put(main, h('div', { class: 'card center gone', id: 'enrol-failed' },
    h('h1', { tabindex: '-1' }, t.enrolFailedTitle),
    h('p', { role: 'alert' }, t.enrolFailed),
    h('button', { type: 'button', class: 'primary big', onclick: () => { history.replaceState(null, '', '/sign'); reset(); } }, t.backToStart)));
}
