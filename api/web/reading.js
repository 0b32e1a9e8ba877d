// Reading the consent: one section at a time with progress, "I understand"
// recorded server-side per required section, then the e-records disclosure.
import { announce, h, put } from './dom.js';
import { app, busy, explain, go } from './app.js';
import { call } from './net.js';
import { questions, readAloud, sectionAnswered } from './teachback.js';

/** doc returns the document in the signing locale. */
export const doc = () => app.s.view.documents[app.s.locale];

/** progress shows "Step i of n" with a bar; the last two steps are the disclosure and signing. */
export function progress(i) {
  const n = doc().sections.length + 2;
  const label = app.t.progress(i, n);
  return h('div', { class: 'progress' },
    h('p', { class: 'doc-title', lang: app.s.locale }, doc().title),
    h('p', { class: 'step', id: 'step-label' }, label),
    h('progress', { max: String(n), value: String(i), 'aria-labelledby': 'step-label' }));
}

/** fmtTime formats a server timestamp in the tablet's time zone. */
export function fmtTime(at) {
  return new Intl.DateTimeFormat(app.ui, { hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(new Date(at));
}

/** nav builds the Back / Next row; next is disabled with a reason when blocked. */
export function nav({ back, next, blocked, reason, nextLabel }) {
  const t = app.t;
  return h('div', { class: 'nav' },
    back ? h('button', { type: 'button', class: 'secondary', id: 'back', onclick: back }, t.back) : h('span'),
    h('div', { class: 'next-wrap' },
      blocked && reason ? h('p', { class: 'hint', id: 'next-reason' }, reason) : null,
      h('button', {
        type: 'button', class: 'primary', id: 'next', disabled: !!blocked,
        'aria-describedby': blocked && reason ? 'next-reason' : null, onclick: next,
      }, nextLabel || t.next)));
}

/** changesFirst reports whether a re-consent's change summary is still to be shown before section 1. */
const changesFirst = (s) => s.view.reconsent && !!doc().change_summary_html && s.index === 0 && !s.changesSeen;

/** changes shows what changed since the version the patient signed before (a re-consent). */
function changes(main) {
  const s = app.s;
  const t = app.t;
  put(main,
    h('div', { class: 'progress' }, h('p', { class: 'doc-title', lang: s.locale }, doc().title)),
    h('article', { class: 'section changes', lang: s.locale },
      h('h1', { tabindex: '-1', id: 'section-heading', 'data-changes': 'true' }, t.changesTitle),
      h('p', { class: 'sub' }, t.changesIntro),
      h('div', { class: 'doc', id: 'change-summary', html: doc().change_summary_html })),
    nav({
      back: s.locales.length > 1 ? () => go('language') : null,
      next: () => { s.changesSeen = true; go('reading'); },
    }));
}

/** reading shows section s.index; a re-consent shows what changed first. */
export function reading(main) {
  const s = app.s;
  const t = app.t;
  if (changesFirst(s)) return changes(main);
  const sections = doc().sections;
  const sec = sections[s.index];
  const key = `${s.locale}|${sec.key}`;
  const at = s.acks[key];
  const error = h('p', { class: 'error', role: 'alert' });
  const needAck = sec.requires_acknowledgment && !at;
  // Questions follow the section once it is acknowledged (or needs no acknowledgment).
  const asking = !needAck && (sec.questions || []).length > 0;
  const blocked = needAck || (asking && !sectionAnswered(s, sec));
  const body = h('div', { class: 'doc', html: sec.body_html });
  put(main, 
    progress(s.index + 1),
    h('article', { class: 'section', lang: s.locale },
      h('h1', { tabindex: '-1', id: 'section-heading' }, sec.heading),
      h('p', { class: 'sub' }, t.sectionOf(s.index + 1, sections.length)),
      readAloud(`${sec.heading}. ${body.textContent}`, s.locale),
      body),
    sec.requires_acknowledgment ? h('div', { class: `ack${at ? ' done' : ''}` },
      h('button', {
        type: 'button', class: at ? 'ack-button pressed' : 'ack-button', id: 'ack', 'aria-pressed': String(!!at),
        'aria-describedby': at ? 'ack-time' : null, onclick: at ? null : acknowledge,
      }, at ? `✓ ${t.understood}` : t.understand),
      at ? h('p', { class: 'recorded', id: 'ack-time' }, t.recordedAt(fmtTime(at))) : null,
      error) : null,
    asking ? questions(sec, () => go('reading', { keepFocus: true })) : null,
    nav({
      back: s.index > 0 ? () => { s.index--; go('reading'); }
        : s.view.reconsent && doc().change_summary_html ? () => { s.changesSeen = false; go('reading'); }
          : s.locales.length > 1 ? () => go('language') : null,
      next: () => {
        if (s.index < sections.length - 1) { s.index++; go('reading'); } else go('disclosure');
      },
      blocked, reason: needAck ? t.ackNeeded : t.questionsNeeded,
    }));

  async function acknowledge(e) {
    const b = e.currentTarget;
    if (b.disabled) return;
    b.disabled = true;
    error.textContent = '';
    try {
      const r = await busy(() => call('POST', `/v1/signing/${encodeURIComponent(s.token)}/acknowledgments`, {
        body: { section: sec.key, locale: s.locale }, retries: 3,
        onRetry: () => { error.textContent = t.retrying; },
      }));
      if (app.s !== s) return;
      s.acks[`${r.locale}|${r.section}`] = r.at;
      go('reading', { keepFocus: true });
      document.getElementById('next')?.focus();
      announce(app.t.recordedAt(fmtTime(r.at)));
    } catch (err) {
      if (!b.isConnected) return;
      b.disabled = false;
      error.textContent = explain(err);
    }
  }
}

/** disclosure shows the electronic-records disclosure and asks for agreement. */
export function disclosure(main) {
  const s = app.s;
  const t = app.t;
  const box = h('input', {
    type: 'checkbox', id: 'accept', checked: s.disclosure,
    onchange: () => { s.disclosure = box.checked; refresh(); },
  });
  const row = h('div', { id: 'disclosure-nav' });
  function refresh() {
    row.replaceChildren(nav({
      back: () => { s.index = doc().sections.length - 1; go('reading'); },
      next: () => go('sign'), blocked: !s.disclosure, reason: t.disclosureNeeded,
    }));
  }
  refresh();
  put(main, 
    progress(doc().sections.length + 1),
    h('article', { class: 'section', lang: s.locale },
      h('h1', { tabindex: '-1' }, t.disclosureTitle),
      h('div', { class: 'doc', html: doc().disclosure_html })),
    h('div', { class: 'check big-check' }, box, h('label', { for: 'accept' }, t.disclosureAccept)),
    row);
}
