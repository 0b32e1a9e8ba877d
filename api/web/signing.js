// Signing: the patient (or a representative) signs, then staff countersign
// with ID + PIN. Submit is disabled until complete and while in flight; a
// retry reuses the Idempotency-Key of the same body, so no tap or dropped
// connection can record two signatures.
import { announce, h, put } from './dom.js';
import { app, busy, explain, forgetPatient, go, route, finish } from './app.js';
import { ApiError, call, uuid } from './net.js';
import { Ink, attachPad } from './pad.js';
import { doc, progress } from './reading.js';

/** signatureBlock renders the draw/type choice and the pad; state holds mode, typed and ink. */
function signatureBlock(state, typedLabel, onChange) {
  const t = app.t;
  const forms = app.s.view.signature_forms || ['drawn'];
  const canType = forms.includes('typed');
  if (!forms.includes('drawn')) state.mode = 'typed';
  const wrap = h('div', { class: 'signature' });
  function draw() {
    for (const f of wrap._cleanup || []) f();
    wrap._cleanup = [];
    const modes = canType && forms.includes('drawn') ? h('div', { class: 'modes', role: 'group', 'aria-label': t.howToSign },
      [['drawn', t.draw], ['typed', t.type]].map(([m, label]) => h('button', {
        type: 'button', class: 'mode', 'aria-pressed': String(state.mode === m), id: `mode-${m}`,
        onclick: () => { state.mode = m; draw(); onChange(); },
      }, label))) : null;
    if (state.mode === 'typed') {
      const input = h('input', {
        type: 'text', id: 'typed', autocomplete: 'off', spellcheck: 'false', value: state.typed, class: 'typed',
        oninput: () => { state.typed = input.value; onChange(); },
      });
      wrap.replaceChildren(modes || '', h('label', { for: 'typed', class: 'label' }, typedLabel), input, h('p', { class: 'hint' }, t.typedHint));
      return;
    }
    const canvas = h('canvas', { id: 'pad', class: 'pad', role: 'img', 'aria-label': t.padLabel, tabindex: '-1' });
    const pad = attachPad(canvas, state.ink, onChange);
    wrap._cleanup.push(pad.detach);
    app.cleanup.push(pad.detach);
    wrap.replaceChildren(modes || '',
      h('p', { class: 'hint', id: 'pad-hint' }, t.padHint),
      h('div', { class: 'pad-frame' }, canvas, h('span', { class: 'pad-line', 'aria-hidden': 'true' }, '✕')),
      h('div', { class: 'pad-tools' },
        h('button', { type: 'button', class: 'secondary', id: 'undo', onclick: () => { state.ink.undo(); pad.redraw(); onChange(); } }, t.undo),
        h('button', { type: 'button', class: 'secondary', id: 'clear', onclick: () => { state.ink.clear(); pad.redraw(); onChange(); } }, t.clear)));
  }
  draw();
  return wrap;
}

/** mark returns the signature for state, or null when it is not ready. */
function markOf(state, name) {
  if (state.mode === 'typed') {
    const text = state.typed.trim();
    return text && (name === undefined || text.toLowerCase() === name.trim().toLowerCase()) ? { type: 'typed', text } : null;
  }
  return state.ink.ok() ? state.ink.mark() : null;
}

/** submitter wires a submit button: same body → same Idempotency-Key on every retry. */
function submitter({ button, error, label, holder, body, done, onError }) {
  return async () => {
    if (button.disabled) return;
    const b = body();
    if (!b) return;
    const payload = JSON.stringify(b);
    if (!holder.pending || holder.pending.body !== payload) holder.pending = { body: payload, key: uuid() };
    const { key } = holder.pending;
    button.disabled = true;
    button.textContent = app.t.sending;
    button.setAttribute('aria-busy', 'true');
    error.textContent = '';
    const s = app.s;
    try {
      const res = await busy(() => call('POST', `/v1/signing/${encodeURIComponent(s.token)}/signatures`, {
        body: payload, idempotencyKey: key, retries: 3, onRetry: () => { error.textContent = app.t.retrying; },
      }));
      if (app.s !== s) return;
      holder.pending = null;
      done(res);
    } catch (err) {
      if (app.s !== s || !button.isConnected) return;
      if (err instanceof ApiError && err.status === 409 && err.field === 'role') {
        announce(app.t.already);
        await refresh(s);
        return;
      }
      button.disabled = false;
      button.textContent = label;
      button.removeAttribute('aria-busy');
      error.textContent = explain(err);
      if (onError) onError(err);
    }
  };
}

/** refresh reloads what is signed (after a conflict) and moves on. */
async function refresh(s) {
  try {
    s.view = { ...s.view, ...(await call('GET', `/v1/signing/${encodeURIComponent(s.token)}`, { retries: 2 })) };
    if (app.s === s) route();
  } catch (err) {
    explain(err);
  }
}

// checklist shows every requirement with its state; the list keeps its size so
// the page does not jump under the signer's finger.
function checklist(items) {
  const t = app.t;
  return [h('p', { class: 'hint' }, t.beforeSign),
    h('ul', { class: 'checklist' }, items.map(([label, ok]) => h('li', { class: ok ? 'ok' : 'todo' },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, ok ? '✓' : '○'),
      h('span', {}, label), h('span', { class: 'sr-only' }, ok ? ` (${t.doneItem})` : ` (${t.todoItem})`))))];
}

/** patientSign collects who signs, the printed name and the signature. */
export function patientSign(main) {
  const s = app.s;
  const t = app.t;
  const meanings = doc().meanings || {};
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-error' });
  const missing = h('div', { class: 'missing-wrap', id: 'missing' });
  const button = h('button', { type: 'button', class: 'primary big', id: 'submit', 'aria-describedby': 'missing' }, t.submit);
  const meaning = h('blockquote', { class: 'meaning', lang: s.locale });
  const relWrap = h('div', { class: 'field' });
  const items = () => [
    s.role === 'representative' ? [t.needRelationship, !!s.relationship.trim()] : null,
    [t.needName, !!s.name.trim()],
    s.mode === 'typed' ? [t.needTyped, !!markOf(s, s.name)] : [t.needSignature, s.ink.ok()],
  ].filter(Boolean);
  const needs = () => items().filter(([, ok]) => !ok);
  function update() {
    const n = needs();
    missing.replaceChildren(...checklist(items()));
    if (!button.hasAttribute('aria-busy')) button.disabled = n.length > 0 || !s.disclosure;
    meaning.textContent = meanings[s.role] || '';
    relWrap.hidden = s.role !== 'representative';
  }
  const radio = (role, label) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: 'role', value: role, id: `role-${role}`, checked: s.role === role, onchange: () => { s.role = role; update(); } }),
    h('span', {}, label));
  const roleField = meanings.representative ? h('fieldset', { class: 'field' }, h('legend', { class: 'label' }, t.whoSigns),
    radio('patient', t.asPatient), radio('representative', t.asRep)) : null;
  const rel = h('input', { type: 'text', id: 'relationship', autocomplete: 'off', value: s.relationship, 'aria-describedby': 'rel-hint',
    oninput: () => { s.relationship = rel.value; update(); } });
  relWrap.append(h('label', { for: 'relationship', class: 'label' }, t.relationship), h('p', { class: 'hint', id: 'rel-hint' }, t.relationshipHint), rel);
  const name = h('input', { type: 'text', id: 'name', autocomplete: 'off', spellcheck: 'false', value: s.name,
    oninput: () => { s.name = name.value; update(); } });
  button.addEventListener('click', submitter({
    button, error, label: t.submit, holder: s,
    body: () => {
      if (needs().length || !s.disclosure) return null;
      // Only sections acknowledged through their own tap: the server checks each was.
      const keys = doc().sections.filter((x) => s.acks[`${s.locale}|${x.key}`]).map((x) => x.key);
      const b = { role: s.role, name: s.name.trim(), locale: s.locale, acknowledged_sections: keys,
        electronic_records_consent: true, signature: markOf(s, s.name) };
      if (s.role === 'representative') b.relationship = s.relationship.trim();
      return b;
    },
    done: (res) => {
      s.view.signed_roles = [...(s.view.signed_roles || []), s.role];
      forgetPatient();
      if (res.consent_status === 'signed') finish();
      else route();
    },
  }));
  put(main, 
    progress(doc().sections.length + 2),
    h('h1', { tabindex: '-1' }, t.signTitle),
    roleField, relWrap,
    h('div', { class: 'field' }, h('label', { for: 'name', class: 'label' }, t.name), name),
    h('div', { class: 'field' }, h('p', { class: 'label' }, t.meaning), meaning),
    signatureBlock(s, t.typedLabel, update),
    h('div', { class: 'submit-row' }, missing, error, button),
    h('div', { class: 'nav' }, h('button', { type: 'button', class: 'secondary', id: 'back', onclick: () => go('disclosure') }, t.back)));
  update();
}

/** newStaff is the staff side's state: cleared after each countersignature, and with the session. */
export function newStaff() {
  return { id: '', pin: '', identity: false, mode: 'drawn', typed: '', ink: new Ink(), checked: null, error: '', pending: null };
}

/**
 * staffSign is the countersignature: first the staff ID and PIN (checked by the
 * server within the PIN limits), which unlock the patient's name and date of
 * birth; then the identity check and the signature.
 */
export function staffSign(main) {
  if (!app.s.staff.checked) staffCheck(main);
  else staffSignature(main);
}

/** staffCheck asks for the staff ID and PIN; nothing about the patient is on screen yet. */
function staffCheck(main) {
  const s = app.s;
  const st = s.staff;
  const t = app.t;
  const role = s.staffRole;
  const error = h('p', { class: 'error', role: 'alert', id: 'staff-error' }, st.error);
  st.error = '';
  const button = h('button', { type: 'submit', class: 'primary big', id: 'staff-check' }, t.staffCheck);
  const id = h('input', { type: 'text', id: 'staff-id', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    value: st.id, 'data-autofocus': '', oninput: () => { st.id = id.value; } });
  const pin = h('input', { type: 'password', id: 'staff-pin', inputmode: 'numeric', autocomplete: 'off', value: st.pin,
    oninput: () => { st.pin = pin.value; } });
  const form = h('form', { class: 'card', novalidate: true, onsubmit: (e) => { e.preventDefault(); check(); } },
    h('p', { class: 'hint', id: 'staff-hint' }, t.staffCheckHint),
    h('div', { class: 'field' }, h('label', { for: 'staff-id', class: 'label' }, t.staffId), id),
    h('div', { class: 'field' }, h('label', { for: 'staff-pin', class: 'label' }, t.pin), pin),
    error, button);
  put(main, h('h1', { tabindex: '-1' }, t.staffTitle(role)), form);
  if (st.id && !st.pin) pin.focus();

  async function check() {
    if (button.disabled) return;
    if (!st.id.trim() || !st.pin) {
      error.textContent = t.needStaff;
      (st.id.trim() ? pin : id).focus();
      return;
    }
    button.disabled = true;
    button.textContent = t.checking;
    error.textContent = '';
    try {
      const r = await busy(() => call('POST', `/v1/signing/${encodeURIComponent(s.token)}/staff-check`, {
        body: { role, staff: { id: st.id.trim(), pin: st.pin } }, retries: 2,
      }));
      if (app.s !== s) return;
      st.checked = r;
      go('staff');
    } catch (err) {
      if (app.s !== s || !button.isConnected) return;
      button.disabled = false;
      button.textContent = t.staffCheck;
      error.textContent = explain(err);
      if (err instanceof ApiError && err.field.startsWith('staff')) {
        st.pin = '';
        pin.value = '';
        pin.focus();
      }
    }
  }
}

/** fmtBirthDate formats a YYYY-MM-DD date in the interface language, with the date as stored after it. */
function fmtBirthDate(d) {
  const long = new Intl.DateTimeFormat(app.ui, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
  return `${long} (${d})`;
}

/** staffSignature shows the patient to check, the identity attestation and the signature. */
function staffSignature(main) {
  const s = app.s;
  const st = s.staff;
  const t = app.t;
  const role = s.staffRole;
  const who = st.checked;
  const error = h('p', { class: 'error', role: 'alert', id: 'staff-error' });
  const missing = h('div', { class: 'missing-wrap', id: 'missing' });
  const button = h('button', { type: 'button', class: 'primary big', id: 'staff-submit', 'aria-describedby': 'missing' }, t.staffSubmit);
  const items = () => [
    role === 'clinician' ? [t.needIdentity, st.identity] : null,
    [st.mode === 'typed' ? t.needTypedStaff : t.needSignature, !!markOf(st)],
  ].filter(Boolean);
  const needs = () => items().filter(([, ok]) => !ok);
  function update() {
    missing.replaceChildren(...checklist(items()));
    if (!button.hasAttribute('aria-busy')) button.disabled = needs().length > 0;
  }
  // Back to the PIN: the patient's details leave the screen and memory (a
  // refused PIN keeps the staff ID typed; "Not you?" clears it too).
  const change = (msg) => {
    s.staff = { ...newStaff(), id: msg ? st.id : '', error: msg || '' };
    go('staff');
  };
  const identity = h('input', { type: 'checkbox', id: 'identity', checked: st.identity, onchange: () => { st.identity = identity.checked; update(); } });
  const submit = submitter({
    button, error, label: t.staffSubmit, holder: st,
    body: () => {
      if (needs().length) return null;
      const b = { role, staff: { id: st.id.trim(), pin: st.pin }, signature: markOf(st) };
      if (role === 'clinician') b.identity_verified = true;
      return b;
    },
    done: (res) => {
      s.view.signed_roles = [...(s.view.signed_roles || []), role];
      s.staff = newStaff();
      if (res.consent_status === 'signed') finish();
      else route();
    },
    onError: (err) => {
      if (err instanceof ApiError && err.field.startsWith('staff')) change(error.textContent);
    },
  });
  button.addEventListener('click', submit);
  const p = who.patient;
  put(main,
    h('h1', { tabindex: '-1' }, t.staffTitle(role)),
    h('section', { class: 'card identity', id: 'patient-identity', 'aria-labelledby': 'patient-title' },
      h('h2', { id: 'patient-title' }, t.patientTitle),
      h('dl', {},
        h('dt', {}, t.patientName), h('dd', { id: 'patient-name' }, `${p.given_name} ${p.family_name}`),
        h('dt', {}, t.birthDate), h('dd', { id: 'patient-birth-date' }, fmtBirthDate(p.birth_date)))),
    h('p', { class: 'hint signing-as' }, t.signingAs(who.staff.name, who.staff.id), ' ',
      h('button', { type: 'button', class: 'secondary', id: 'staff-change', onclick: () => change() }, t.notYou)),
    role === 'clinician' ? h('div', { class: 'check big-check' }, identity, h('label', { for: 'identity' }, t.identity)) : null,
    signatureBlock(st, t.typedStaffLabel, update),
    h('div', { class: 'submit-row' }, missing, error, button));
  update();
}
