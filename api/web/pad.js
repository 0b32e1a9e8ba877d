// Signature pad: Pointer Events (finger, pen, mouse) on a canvas with a fixed
// logical size; points are captured as {x, y, t} in logical pixels, t in ms
// since the first point of the signature.

/** Logical canvas size sent to the server with the strokes. */
export const PAD_W = 600;
export const PAD_H = 200;

const MAX_POINTS = 10000;
const MAX_STROKES = 100;
const MAX_MS = 10 * 60 * 1000;

/** Ink holds the strokes of one signature, independent of any canvas. */
export class Ink {
  constructor() {
    this.strokes = [];
    this.t0 = null;
  }

  /** points returns the total number of points. */
  points() {
    return this.strokes.reduce((n, s) => n + s.length, 0);
  }

  /** ok reports whether the ink looks like a signature (enough points and size). */
  ok() {
    const all = this.strokes.flat();
    if (all.length < 10) return false;
    const xs = all.map((p) => p.x);
    const ys = all.map((p) => p.y);
    return Math.max(...xs) - Math.min(...xs) >= 10 || Math.max(...ys) - Math.min(...ys) >= 10;
  }

  clear() {
    this.strokes = [];
    this.t0 = null;
  }

  undo() {
    this.strokes.pop();
    if (!this.strokes.length) this.t0 = null;
  }

  /** mark returns the signature as the API expects it. */
  mark() {
    return { type: 'drawn', width: PAD_W, height: PAD_H, strokes: this.strokes.map((s) => s.map((p) => ({ ...p }))) };
  }
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/**
 * attachPad makes canvas draw into ink; onChange runs after each finished
 * stroke, clear or undo. It returns {redraw, detach}.
 */
export function attachPad(canvas, ink, onChange) {
  const ctx = canvas.getContext('2d');
  let active = null;
  let frame = 0;

  function size() {
    const r = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr));
    const hh = Math.max(1, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== hh) {
      canvas.width = w;
      canvas.height = hh;
    }
    return r;
  }

  function draw() {
    frame = 0;
    const r = size();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!r.width) return;
    ctx.setTransform(canvas.width / PAD_W, 0, 0, canvas.height / PAD_H, 0, 0);
    ctx.lineWidth = 2.6;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#0b1f3a';
    ctx.fillStyle = '#0b1f3a';
    for (const s of ink.strokes) stroke(s);
  }

  // stroke draws a smooth path: quadratic curves through the midpoints.
  function stroke(s) {
    if (s.length === 1) {
      ctx.beginPath();
      ctx.arc(s[0].x, s[0].y, 1.6, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(s[0].x, s[0].y);
    for (let i = 1; i < s.length - 1; i++) {
      const mx = (s[i].x + s[i + 1].x) / 2;
      const my = (s[i].y + s[i + 1].y) / 2;
      ctx.quadraticCurveTo(s[i].x, s[i].y, mx, my);
    }
    const last = s[s.length - 1];
    ctx.lineTo(last.x, last.y);
    ctx.stroke();
  }

  const schedule = () => { if (!frame) frame = requestAnimationFrame(draw); };

  function point(ev) {
    const r = canvas.getBoundingClientRect();
    const now = ev.timeStamp || performance.now();
    if (ink.t0 === null) ink.t0 = now;
    const prev = ink.strokes.flat().at(-1);
    const t = clamp(Math.round(now - ink.t0), prev ? prev.t : 0, MAX_MS);
    return {
      x: Math.round(clamp(((ev.clientX - r.left) * PAD_W) / r.width, 0, PAD_W) * 10) / 10,
      y: Math.round(clamp(((ev.clientY - r.top) * PAD_H) / r.height, 0, PAD_H) * 10) / 10,
      t,
    };
  }

  function down(ev) {
    if (ev.pointerType === 'mouse' && ev.button !== 0) return;
    if (active !== null || ink.strokes.length >= MAX_STROKES || ink.points() >= MAX_POINTS) return;
    ev.preventDefault();
    try { canvas.setPointerCapture(ev.pointerId); } catch { /* pointer already gone */ }
    active = ev.pointerId;
    ink.strokes.push([point(ev)]);
    schedule();
  }

  function move(ev) {
    if (ev.pointerId !== active) return;
    ev.preventDefault();
    const list = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [];
    const s = ink.strokes.at(-1);
    for (const e of list.length ? list : [ev]) {
      if (ink.points() >= MAX_POINTS) break;
      s.push(point(e));
    }
    schedule();
  }

  function up(ev) {
    if (ev.pointerId !== active) return;
    active = null;
    try { canvas.releasePointerCapture(ev.pointerId); } catch { /* already released */ }
    schedule();
    onChange();
  }

  const ro = new ResizeObserver(schedule);
  ro.observe(canvas);
  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  draw();
  return {
    redraw: schedule,
    detach() {
      ro.disconnect();
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('pointercancel', up);
    },
  };
}
