// Package npmtools finds the outside checkers that tests run with node (the
// official Standard Webhooks library, Redocly CLI, axe-core), installed from
// the pinned package-lock.json beside this file by install.sh. A test that
// needs one skips when node or the package is missing, and fails instead
// when the environment variable CI is set, so CI never passes by skipping.
package npmtools

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the directory holding package.json and node_modules.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Module returns the installed directory of an npm package (e.g.
// "axe-core", "@redocly/cli"), skipping the test when node or the package is
// missing, or failing it when CI is set.
func Module(tb testing.TB, name string) string {
	tb.Helper()
	dir := filepath.Join(Dir(), "node_modules", filepath.FromSlash(name))
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed (apt-get install -y nodejs npm)"
	} else if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		missing = name + " is not installed (run bash internal/npmtools/install.sh)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s, and CI is set", missing)
		}
		tb.Skipf("skipping: %s", missing)
	}
	return dir
}

// Node returns a command running node with args in dir, with Redocly's
// telemetry and update checks off (the tests make no outside connections).
func Node(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	return cmd
}
