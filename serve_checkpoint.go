package main

import (
	"context"
	"log/slog"

	"github.com/consentd/consentd/consent"
)

// checkpointJob writes a signed audit checkpoint whenever policy says one is
// due, looking every checkpointPoll (or every interval, if shorter). Each is
// stored and queued as an audit.checkpoint webhook event.
func checkpointJob(ctx context.Context, svc *consent.Service, policy consent.CheckpointPolicy, log *slog.Logger) {
	if !policy.Enabled() {
		log.Warn("signed audit checkpoints are off: a truncated or rewritten audit log can only be caught by the head file")
		return
	}
	poll := checkpointPoll
	if policy.Interval > 0 && policy.Interval < poll {
		poll = policy.Interval
	}
	every(ctx, poll, func() { writeCheckpoint(ctx, svc, policy, log) })
}

// writeCheckpoint has no deadline of its own: the first checkpoint verifies
// the whole chain, which on a large database (millions of baseline events
// after the upgrade) takes longer than any fixed timeout; shutdown cancels it.
func writeCheckpoint(ctx context.Context, svc *consent.Service, policy consent.CheckpointPolicy, log *slog.Logger) {
	cp, err := svc.WriteCheckpoint(ctx, policy)
	if err != nil {
		log.Error("audit checkpoint", "err", err)
	} else if cp != nil {
		log.Info("audit checkpoint written", "seq", cp.Seq, "hash", cp.Hash)
	}
}
