package webtest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/npmtools"
)

var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// axe returns axe-core's source (npm axe-core, pinned in internal/npmtools).
func axe(t *testing.T) string {
	t.Helper()
	dir := npmtools.Module(t, "axe-core")
	axeSource.once.Do(func() {
		b, err := os.ReadFile(filepath.Join(dir, "axe.min.js"))
		axeSource.src, axeSource.err = string(b), err
	})
	if axeSource.err != nil {
		t.Fatal(axeSource.err)
	}
	return axeSource.src
}

// axeViolation is one failed axe rule on the current screen.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target         []any
		FailureSummary string
	}
}

// audit runs axe-core on the screen as it is and fails on any critical or
// serious violation. axe is injected through the DevTools protocol (as
// Runtime.evaluate), which the page's Content-Security-Policy does not
// govern, so the CSP stays as production serves it.
func (p *page) audit(where string) {
	p.t.Helper()
	src := axe(p.t)
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		p.t.Fatalf("%s: %v", where, err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](src+"\n;true")); err != nil {
			p.t.Fatalf("%s: inject axe-core: %v", where, err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`axe.run(document, {resultTypes: ['violations'],
		rules: {'label-content-name-mismatch': {enabled: true}}})
		.then((r) => r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious'))`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: axe.run: %v", where, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		p.t.Fatalf("%s: axe results: %v", where, err)
	}
	p.audited++
	for _, v := range vs {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, strings.TrimSpace(strings.ReplaceAll(n.FailureSummary, "\n", " "))+" at "+strings.Trim(strings.Join(strs(n.Target), " "), " "))
		}
		p.t.Errorf("%s: axe %s (%s): %s\n  %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n  "))
	}
}

func strs(xs []any) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
