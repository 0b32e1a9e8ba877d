package main

import (
	"context"
	"fmt"
	"io"

	"github.com/consentd/consentd/internal/app"
)

// serve runs the server until ctx is cancelled, then drains in-flight
// requests. It prints the listening addresses on stdout (the end-to-end
// tests and the crash test read them); everything else goes to the log.
func serve(ctx context.Context, cfg app.Config, stdout io.Writer) error {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Prepare(ctx); err != nil {
		return err
	}
	if err := a.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", a.Addr())
	if m := a.MetricsAddr(); m != "" {
		fmt.Fprintf(stdout, "metrics on %s\n", m)
	}
	return a.Run(ctx)
}
