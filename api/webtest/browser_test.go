package webtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium returns the browser to drive: skipped locally when missing, a
// failure in CI (env CI set).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium fonts-dejavu-core)")
	}
	t.Skip("chromium is not installed; skipping the real-browser tests")
	return ""
}

// page is one headless Chromium tab at tablet size.
type page struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
	// audited counts the screens axe-core checked (audit).
	audited int
}

func newPage(t *testing.T) *page {
	t.Helper()
	path := chromium(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(768, 1024))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(768, 1024)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Any uncaught exception or unhandled rejection in the page fails the test.
	var mu sync.Mutex
	var thrown []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range chromedp.Events(ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			mu.Lock()
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			thrown = append(thrown, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("page threw: %s", e)
		}
	})
	dir := os.Getenv("TABLET_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &page{t: t, ctx: ctx, shots: dir}
}

// timeout bounds one step; the browser context itself has no deadline.
func (p *page) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, 15*time.Second)
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v\npage text:\n%s", err, p.textNoFail())
	}
}

func (p *page) open(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
	p.js(`window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => __csp.push(e.violatedDirective + ' ' + e.blockedURI))`)
}

// js evaluates a script and decodes its value into out (which may be nil).
func (p *page) js(script string, out ...any) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("script %q: %v", script, err)
	}
	if len(out) > 0 && out[0] != nil {
		if err := json.Unmarshal(raw, out[0]); err != nil {
			p.t.Fatalf("script %q: decode %s: %v", script, raw, err)
		}
	}
}

// wait polls until the JavaScript condition is true.
func (p *page) wait(cond string) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(12*time.Second))); err != nil {
		p.t.Fatalf("waiting for %s: %v\npage text:\n%s", cond, err, p.textNoFail())
	}
}

// waitFor waits for an element matching the CSS selector to be in the page.
func (p *page) waitFor(sel string) {
	p.t.Helper()
	p.wait(fmt.Sprintf("document.querySelector(%q)", sel))
}

// click clicks an element through real mouse input at its centre.
func (p *page) click(sel string) {
	p.t.Helper()
	x, y := p.center(sel)
	p.do(chromedp.MouseClickXY(x, y))
}

func (p *page) center(sel string) (float64, float64) {
	p.t.Helper()
	var r struct{ X, Y float64 }
	p.js(fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) throw new Error('no element %s');
		el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, sel, sel), &r)
	return r.X, r.Y
}

// typeInto sets an input's value the way typing does (an input event follows).
func (p *page) typeInto(sel, value string) {
	p.t.Helper()
	v, _ := json.Marshal(value)
	p.js(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.focus(); el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true})); })()`, sel, v))
}

func (p *page) text() string {
	p.t.Helper()
	var s string
	p.js(`document.body.innerText`, &s)
	return s
}

func (p *page) textNoFail() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	return s
}

// shot saves a screenshot of the viewport as NN-name.png.
func (p *page) shot(name string) {
	p.t.Helper()
	p.n++
	ctx, cancel := p.step()
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	prefix := strings.NewReplacer("/", "-", " ", "_").Replace(p.t.Name())
	if err := os.WriteFile(filepath.Join(p.shots, fmt.Sprintf("%s-%02d-%s.png", prefix, p.n, name)), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// draw drags the mouse through each stroke (logical 600x200 canvas
// coordinates) on the signature pad and returns the points it sent.
func (p *page) draw(strokes [][][2]float64) int {
	p.t.Helper()
	var r struct{ Left, Top, Width, Height float64 }
	p.js(`(() => { const c = document.getElementById('pad'); c.scrollIntoView({block: 'center'});
		const r = c.getBoundingClientRect(); return {Left: r.left, Top: r.top, Width: r.width, Height: r.height}; })()`, &r)
	at := func(q [2]float64) (float64, float64) {
		return r.Left + q[0]*r.Width/600, r.Top + q[1]*r.Height/200
	}
	buttons := func(n int64) chromedp.MouseOption {
		return func(e *input.DispatchMouseEventParams) { e.Buttons = n }
	}
	n := 0
	for _, st := range strokes {
		var acts []chromedp.Action[chromedp.Void]
		x, y := at(st[0])
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonNone),
			chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1), buttons(1)))
		for _, q := range st[1:] {
			x, y = at(q)
			acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft, buttons(1)))
		}
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
		p.do(acts...)
		n += len(st)
	}
	return n
}

// checkPage fails on CSP violations, unlabelled controls, text under 18 px or
// a page wider than the screen.
func (p *page) checkPage(where string) {
	p.t.Helper()
	var probs []string
	p.js(`(() => {
		const out = [...(window.__csp || [])].map((v) => 'CSP: ' + v);
		for (const el of document.querySelectorAll('button, input, select, textarea, canvas')) {
			if (el.closest('[hidden], dialog:not([open])') || el.type === 'hidden') continue;
			const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
				(el.labels && el.labels.length) || (el.tagName === 'BUTTON' && el.textContent.trim());
			if (!named) out.push('unlabelled ' + el.outerHTML.slice(0, 80));
		}
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const el = n.parentElement;
			if (!n.textContent.trim() || !el.offsetParent || el.closest('.sr-only, .skip')) continue;
			const px = parseFloat(getComputedStyle(el).fontSize);
			if (px < 18) out.push('text ' + px + 'px: ' + n.textContent.trim().slice(0, 40));
		}
		if (/\b(null|undefined|NaN)\b|\[object /.test(document.body.innerText)) out.push('stray text: ' + document.body.innerText.match(/.*(null|undefined|NaN|\[object ).*/)[0]);
		if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page wider than screen: ' + document.documentElement.scrollWidth);
		return out; })()`, &probs)
	if len(probs) > 0 {
		p.t.Errorf("%s: %s", where, strings.Join(probs, "\n  "))
	}
	p.audit(where)
}
