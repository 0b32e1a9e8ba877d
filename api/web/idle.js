// Inactivity timer (HIPAA automatic logoff): after idleMs without input it
// warns with a countdown; after warnMs more it locks.

const EVENTS = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart', 'scroll'];

/** Idle watches the document for activity while started. */
export class Idle {
  constructor({ idleMs, warnMs, onWarn, onTick, onLock }) {
    Object.assign(this, { idleMs, warnMs, onWarn, onTick, onLock });
    this.timer = 0;
    this.ticker = 0;
    this.warning = false;
    this.running = false;
    this.poke = this.poke.bind(this);
  }

  start() {
    if (!this.running) {
      this.running = true;
      for (const e of EVENTS) document.addEventListener(e, this.poke, true);
    }
    this.reset();
  }

  stop() {
    this.running = false;
    this.warning = false;
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    for (const e of EVENTS) document.removeEventListener(e, this.poke, true);
  }

  /** poke counts as activity, except while the warning shows (only "I'm still here" ends it). */
  poke() {
    if (this.running && !this.warning) this.reset();
  }

  /** reset restarts the idle period and ends a warning. */
  reset() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    this.warning = false;
    if (this.running) this.timer = setTimeout(() => this.warn(), this.idleMs);
  }

  warn() {
    this.warning = true;
    const end = Date.now() + this.warnMs;
    const left = () => Math.max(0, Math.ceil((end - Date.now()) / 1000));
    this.onWarn(left());
    this.ticker = setInterval(() => {
      const s = left();
      this.onTick(s);
      if (s <= 0) {
        this.stop();
        this.onLock();
      }
    }, 250);
  }
}
