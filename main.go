// Command consentd is an informed-consent service: versioned consent templates,
// e-signatures with evidence, sealed PDFs and a hash-chained audit log.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/loadtest"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "consentd:", err)
		os.Exit(2)
	}
}

// exitError ends the process with a status code after the command has already
// said what it had to (e.g. "verify" on an invalid PDF exits 1).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: consentd <command> [flags]

commands:
  serve                                   start the server (default :8080, data in ./data, SQLite)
  apikey create --name NAME --scopes a,b  create an API key (printed alone on the last line)
  apikey list | apikey revoke ID          list or revoke API keys
  templates import                        import shipped template versions not yet in the database, as drafts
  templates lint FILE                     validate a template file and print each section's readability (exit 1 on any failure)
  templates approve SLUG VERSION --staff-id ID
                                          sign a published version's approval as a template approver (PIN from the terminal or stdin)
  verify FILE.pdf                         check a sealed consent PDF (exit 0 valid, 1 not)
  audit verify [--checkpoints FILE]       re-check the audit chain, every row it vouches for and, with FILE,
                                          the signed checkpoints an integration kept (exit 0 intact, 1 broken)
  backup FILE                             write a consistent online copy of the SQLite database
  migrate-db --to postgres://... [--verify-all-pdfs]
                                          copy the stopped SQLite database into an empty PostgreSQL one and check
                                          the copy (exit 0 safe to switch, 1 not)
  keys rotate                             new sealing key (generated keys only); old PDFs keep verifying
  healthcheck                             exit 0 if the local server answers /healthz (for container health checks)
  loadtest --url URL --key KEY --n N --c C  create and sign N consents over loopback, then read them; report p50/p95/p99

Every command accepts the config flags (run "consentd serve -h"); each flag has a
CONSENTD_* environment variable.`

// run is the whole program: parse the command line and environment, then do it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stdout, usage)
		return exitError(2)
	}
	cmd, rest := args[0], args[1:]
	if cmd == "loadtest" { // a client of a running server: its own flags, no server config
		err := loadtest.Run(ctx, rest, stdout)
		if code, ok := err.(loadtest.ExitError); ok {
			return exitError(code)
		}
		return err
	}
	sub := ""
	if (cmd == "apikey" || cmd == "templates" || cmd == "audit" || cmd == "keys") && len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("consentd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg := app.Default()
	cfg.Version = version
	load := app.Bind(fs, &cfg)
	var name, scopes, checkpoints, migrateTo, staffID string
	var allPDFs bool
	if cmd == "apikey" && sub == "create" {
		fs.StringVar(&name, "name", "", "name of the API key")
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes")
	}
	if cmd == "templates" && sub == "approve" {
		fs.StringVar(&staffID, "staff-id", "", "staff ID of the template approver; the PIN is read from the terminal or standard input")
	}
	if cmd == "audit" && sub == "verify" {
		fs.StringVar(&checkpoints, "checkpoints", "", "also check the chain against the signed checkpoints in this file, "+
			"as served by GET /v1/audit/checkpoints or sent as audit.checkpoint webhooks")
	}
	if cmd == "migrate-db" {
		fs.StringVar(&migrateTo, "to", "", "postgres:// URL of the empty database to copy into")
		fs.BoolVar(&allPDFs, "verify-all-pdfs", false, "verify the seal of every sealed PDF, not a sample of 50")
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	// Every command refuses a malformed setting, used or not: one that is
	// wrong today is wrong on the next "serve" too.
	if err := load(getenv); err != nil {
		return err
	}
	switch cmd + " " + sub {
	case "serve ":
		return serve(ctx, cfg, stdout)
	case "apikey create":
		return apikeyCreate(ctx, cfg, name, scopes, stdout)
	case "apikey list":
		return apikeyList(ctx, cfg, stdout)
	case "apikey revoke":
		return apikeyRevoke(ctx, cfg, fs.Args(), stdout)
	case "templates import":
		return templatesImport(ctx, cfg, stdout)
	case "templates lint":
		return templatesLint(fs.Args(), stdout)
	case "templates approve":
		pos, err := interspersed(fs)
		if err != nil {
			return exitError(2)
		}
		return templatesApprove(ctx, cfg, pos, staffID, stdout)
	case "verify ":
		return verifyFile(ctx, cfg, fs.Args(), stdout)
	case "audit verify":
		return auditVerify(ctx, cfg, checkpoints, stdout)
	case "backup ":
		return backup(ctx, cfg, fs.Args(), stdout)
	case "migrate-db ":
		return migrateDB(ctx, cfg, migrateTo, allPDFs, stdout)
	case "keys rotate":
		return keysRotate(cfg, stdout)
	case "healthcheck ":
		return healthcheck(ctx, cfg, stdout)
	}
	fmt.Fprintln(stdout, usage)
	return exitError(2)
}

// interspersed parses flags given after positional arguments too (as in
// "templates approve ketamine-iv 2 --staff-id MD-1") and returns the
// positional ones.
func interspersed(fs *flag.FlagSet) ([]string, error) {
	var pos []string
	for args := fs.Args(); len(args) > 0; args = fs.Args() {
		if strings.HasPrefix(args[0], "-") && args[0] != "-" {
			if err := fs.Parse(args); err != nil {
				return nil, err
			}
			continue
		}
		pos = append(pos, args[0])
		if err := fs.Parse(args[1:]); err != nil {
			return nil, err
		}
	}
	return pos, nil
}
