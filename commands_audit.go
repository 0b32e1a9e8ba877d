package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
)

// auditVerify re-checks the audit chain, every row it vouches for, its end
// against the head file, and the checkpoints stored and (with file) kept by
// an integration. It prints every finding and exits 1 if there is one.
func auditVerify(ctx context.Context, cfg app.Config, file string, stdout io.Writer) error {
	var given []*consent.AuditCheckpoint
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		given, err = consent.ReadCheckpoints(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("checkpoints file %s: %w", file, err)
		}
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	report, err := a.Service.VerifyAuditIntegrity(ctx, given, file)
	if err != nil {
		return err
	}
	if !report.Intact() {
		fmt.Fprintf(stdout, "BROKEN at %s\n", report.Faults[0])
		for _, f := range report.Faults[1:] {
			fmt.Fprintf(stdout, "also: %s\n", f)
		}
		if report.MoreFaults > 0 {
			fmt.Fprintf(stdout, "and %d more findings\n", report.MoreFaults)
		}
		if report.RowsSkipped {
			fmt.Fprintln(stdout, "rows were not compared with their digests: the chain itself is broken")
		}
		return exitError(1)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries verified; %d rows match the digests that vouch for them; %d checkpoints match\n",
		report.Events, report.Rows, report.Checkpoints)
	return nil
}
