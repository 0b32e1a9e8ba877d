// Teach-back questions after a section, the clinician's discussion at the
// hand-over, and "Read aloud" (the browser's own speech synthesis: no audio
// leaves the device and nothing is stored).
import { announce, h } from './dom.js';
import { app, busy, explain } from './app.js';
import { call } from './net.js';

/** answerState folds the session's recorded attempts into per-question state. */
export function answerState(attempts) {
  const out = {};
  for (const a of attempts || []) {
    const k = `${a.section}|${a.question}`;
    const st = out[k] || (out[k] = { right: false, wrong: 0, explanation: '' });
    if (a.correct) st.right = true; else st.wrong++;
  }
  return out;
}

const stateOf = (s, sec, q) => s.answers[`${sec.key}|${q.key}`] || { right: false, wrong: 0, explanation: '' };

/** sectionAnswered reports whether every question of a section is done: right, or wrong twice (flagged). */
export function sectionAnswered(s, sec) {
  return (sec.questions || []).every((q) => { const st = stateOf(s, sec, q); return st.right || st.wrong >= 2; });
}

/**
 * questions draws a section's questions. A wrong answer shows the explanation
 * and sends the reader back to the section's text to answer once more; a
 * second wrong answer is recorded and flagged for the clinician, and the
 * patient continues. With reask (the hand-over of a version that requires
 * right answers), only the open questions are asked, until answered right.
 */
export function questions(sec, rerender, { reask = null } = {}) {
  const s = app.s;
  const t = app.t;
  const qs = (sec.questions || []).filter((q) => !reask || reask.includes(`${sec.key}/${q.key}`));
  if (!qs.length) return null;
  return h('section', { class: 'card questions', 'aria-labelledby': `q-title-${sec.key}` },
    h('h2', { id: `q-title-${sec.key}` }, reask ? sec.heading : t.questionsTitle),
    reask ? null : h('p', { class: 'hint' }, t.questionsIntro),
    ...qs.map((q) => question(s, sec, q, rerender, !!reask)));
}

function question(s, sec, q, rerender, reask) {
  const t = app.t;
  const st = stateOf(s, sec, q);
  const id = `q-${sec.key}-${q.key}`;
  if (st.right) return h('div', { class: 'question done', id }, h('p', { class: 'legend' }, q.question), h('p', { class: 'recorded' }, `✓ ${t.answerRight}`));
  if (st.wrong >= 2 && !reask) {
    return h('div', { class: 'question flagged', id }, h('p', { class: 'legend' }, q.question), h('p', { class: 'recorded' }, t.answerFlagged));
  }
  const error = h('p', { class: 'error', role: 'alert' });
  const expl = st.wrong > 0 && st.explanation
    ? h('div', { class: 'explanation', role: 'alert', id: `${id}-explanation` }, h('p', {}, h('strong', {}, t.answerWrong), ' ', st.explanation), h('p', {}, t.tryAgainQuestion))
    : null;
  return h('fieldset', { class: 'question', id },
    h('legend', {}, q.question), expl,
    h('div', { class: 'choices' }, ...q.choices.map((c, i) => h('button', {
      type: 'button', class: 'choice secondary', 'data-choice': String(i), lang: s.locale,
      onclick: (e) => answer(e.currentTarget, i),
    }, c))),
    error);

  async function answer(b, choice) {
    if (b.disabled) return;
    for (const x of b.parentNode.children) x.disabled = true;
    try {
      const r = await busy(() => call('POST', `/v1/signing/${encodeURIComponent(s.token)}/answers`, {
        body: { section: sec.key, question: q.key, choice, locale: s.locale }, retries: 3,
        onRetry: () => { error.textContent = t.retrying; },
      }));
      if (app.s !== s) return;
      const cur = s.answers[`${sec.key}|${q.key}`] = { ...stateOf(s, sec, q) };
      if (r.correct) cur.right = true; else { cur.wrong++; cur.explanation = r.explanation || ''; }
      if (r.section_flagged && !s.view.flagged_sections.includes(sec.key)) s.view.flagged_sections.push(sec.key);
      rerender();
      if (r.correct) announce(t.answerRight);
      else if (cur.wrong >= 2 && !reask) announce(t.answerFlagged);
      else {
        // Show the section's text again, then the question once more.
        const top = document.getElementById('section-heading');
        if (top && !reask) { top.scrollIntoView({ block: 'start' }); top.focus(); }
        announce(`${t.answerWrong} ${cur.explanation}`);
      }
    } catch (err) {
      if (!b.isConnected) return;
      for (const x of b.parentNode.children) x.disabled = false;
      error.textContent = explain(err);
    }
  }
}

/** voiceFor returns a voice of the device for a language ("es" matches "es-MX"), or null. */
function voiceFor(lang) {
  const synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== 'function') return null;
  const want = lang.toLowerCase();
  const voices = synth.getVoices() || [];
  return voices.find((v) => (v.lang || '').toLowerCase() === want)
    || voices.find((v) => (v.lang || '').toLowerCase().replace('_', '-').split('-')[0] === want.split('-')[0]) || null;
}

/**
 * readAloud returns the "Read aloud" control for a text in a language. It is
 * hidden while the device has no voice for the language (voices may arrive
 * later: voiceschanged shows it), and speech stops on any page change, the
 * inactivity lock or the hand-over: each goes through render's cleanup.
 */
export function readAloud(text, lang) {
  const t = app.t;
  const synth = window.speechSynthesis;
  let speaking = false;
  const label = h('span', {}, t.readAloud);
  const button = h('button', { type: 'button', class: 'secondary read-aloud', id: 'read-aloud', hidden: true, 'aria-pressed': 'false',
    onclick: () => (speaking ? stop() : speak()) }, h('span', { 'aria-hidden': 'true' }, '🔊 '), label);
  const show = () => { button.hidden = !voiceFor(lang); };
  function set(on) {
    speaking = on;
    button.setAttribute('aria-pressed', String(on));
    label.textContent = on ? t.stopReading : t.readAloud;
  }
  function speak() {
    const voice = voiceFor(lang);
    if (!voice) { show(); return; }
    synth.cancel();
    const u = new window.SpeechSynthesisUtterance(text);
    u.lang = voice.lang || lang;
    u.voice = voice;
    u.onend = () => { if (button.isConnected) set(false); };
    u.onerror = u.onend;
    synth.speak(u);
    set(true);
  }
  function stop() { synth.cancel(); set(false); }
  if (synth) {
    show();
    synth.addEventListener?.('voiceschanged', show);
    app.cleanup.push(() => { synth.removeEventListener?.('voiceschanged', show); synth.cancel(); });
  }
  return button;
}

/** discussion is the clinician's card at the hand-over: the flagged sections and the attestation. */
export function discussion(st, who, update) {
  const t = app.t;
  const flagged = who.flagged_sections || [];
  if (!flagged.length) return null;
  const box = h('input', { type: 'checkbox', id: 'discussed', checked: st.discussed, onchange: () => { st.discussed = box.checked; update(); } });
  return h('section', { class: 'card discuss', id: 'discuss', 'aria-labelledby': 'discuss-title' },
    h('h2', { id: 'discuss-title' }, t.discussTitle),
    h('p', {}, t.discussIntro),
    h('ul', { id: 'flagged-sections' }, ...flagged.map((f) => h('li', { 'data-section': f.key, lang: app.s.locale }, f.heading))),
    h('div', { class: 'check big-check' }, box, h('label', { for: 'discussed' }, t.discussed)));
}
