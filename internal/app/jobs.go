package app

import (
	"context"
	"sync"
	"time"

	"github.com/consentd/consentd/consent"
)

// Intervals of the background jobs that have no setting of their own.
const (
	checkpointPoll   = 10 * time.Second // how often the checkpoint job looks whether one is due
	idempotencyEvery = time.Hour
	idempotencyKeep  = 25 * time.Hour // records are replayed for 24 hours
	countersEvery    = 10 * time.Minute
	accessFlushEvery = time.Minute
	deliveryPoll     = time.Second
)

// startJobs starts the background jobs: expiry, purges, audit checkpoints,
// folded access events and webhook delivery. The returned stop ends them and
// waits, so none outlives the database.
func (a *App) startJobs(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	dispatcher := a.Dispatcher()
	for _, job := range []func(){
		func() { every(ctx, a.Config.ExpireEvery, func() { a.expireDue(ctx) }) },
		// Re-consent notices run on the expiry job's interval: a minute's delay is fine.
		func() { every(ctx, a.Config.ExpireEvery, func() { a.notifyReconsentDue(ctx) }) },
		func() { every(ctx, idempotencyEvery, func() { a.purgeIdempotency(ctx) }) },
		func() { a.checkpointJob(ctx) },
		func() { every(ctx, countersEvery, func() { a.purgeCounters(ctx) }) },
		func() { every(ctx, accessFlushEvery, func() { a.flushAccess(ctx, false) }) },
		func() {
			dispatcher.Run(ctx, deliveryPoll, func(err error) { a.Logger.Error("webhook delivery", "err", err) })
		},
	} {
		wg.Add(1)
		go func() { defer wg.Done(); job() }()
	}
	return func() { cancel(); wg.Wait() }
}

// every runs fn each interval until ctx ends; an interval of 0 never runs it.
func every(ctx context.Context, interval time.Duration, fn func()) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// expireDue records the expiry of pending consents past expires_at.
func (a *App) expireDue(ctx context.Context) {
	if n, err := a.Service.ExpireDue(ctx); err != nil {
		a.Logger.Error("expire pending consents", "err", err)
	} else if n > 0 {
		a.Logger.Info("expired pending consents", "count", n)
	}
}

// notifyReconsentDue queues the consent.reconsent_due webhooks that a
// publication with re-consent required or recommended asked for, in batches.
func (a *App) notifyReconsentDue(ctx context.Context) {
	if n, err := a.Service.NotifyReconsentDue(ctx); err != nil {
		a.Logger.Error("queue re-consent notices", "err", err)
	} else if n > 0 {
		a.Logger.Info("queued re-consent notices", "count", n)
	}
}

// purgeIdempotency forgets idempotency records older than their replay window.
func (a *App) purgeIdempotency(ctx context.Context) {
	if _, err := a.DB.PurgeIdempotency(ctx, a.Config.Now().Add(-idempotencyKeep)); err != nil {
		a.Logger.Error("purge idempotency keys", "err", err)
	}
}

// purgeCounters forgets failure counts whose windows have ended.
func (a *App) purgeCounters(ctx context.Context) {
	if _, err := a.Service.PurgeCounters(ctx); err != nil {
		a.Logger.Error("purge counters", "err", err)
	}
}

// flushAccess writes the counts of folded audit reads and scope denials.
func (a *App) flushAccess(ctx context.Context, final bool) {
	if err := a.Service.FlushAccessEvents(ctx, final); err != nil {
		a.Logger.Error("write folded access events", "err", err)
	}
}

// checkpointJob writes a signed audit checkpoint whenever the policy says one
// is due, looking every checkpointPoll (or every interval, if shorter). Each
// is stored and queued as an audit.checkpoint webhook event.
func (a *App) checkpointJob(ctx context.Context) {
	policy := a.Config.Checkpoints
	if !policy.Enabled() {
		a.Logger.Warn("signed audit checkpoints are off: a truncated or rewritten audit log can only be caught by the head file")
		return
	}
	poll := checkpointPoll
	if policy.Interval > 0 && policy.Interval < poll {
		poll = policy.Interval
	}
	every(ctx, poll, func() { a.writeCheckpoint(ctx, policy) })
}

// writeCheckpoint has no deadline of its own: the first checkpoint verifies
// the whole chain, which on a large database (millions of baseline events
// after the upgrade) takes longer than any fixed timeout; shutdown cancels it.
func (a *App) writeCheckpoint(ctx context.Context, policy consent.CheckpointPolicy) {
	cp, err := a.Service.WriteCheckpoint(ctx, policy)
	if err != nil {
		a.Logger.Error("audit checkpoint", "err", err)
	} else if cp != nil {
		a.Logger.Info("audit checkpoint written", "seq", cp.Seq, "hash", cp.Hash)
	}
}

// runFailedAuthLog writes aggregated failed authentications every window
// until the returned stop is called; stop writes what is left and waits.
func (a *App) runFailedAuthLog(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Service.FailedAuthLog().Run(ctx, a.Config.Now, func(err error) {
			a.Logger.Error("write failed authentications to the audit log", "err", err)
		})
	}()
	return func() { cancel(); <-done }
}
