package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"
)

// Audit checkpoint defaults: a signed checkpoint after every 1000 audit
// events, or every 15 minutes while events are being added; the job looks
// every checkpointPoll whether one is due.
const (
	defaultCheckpointEvents   = 1000
	defaultCheckpointInterval = 15 * time.Minute
	checkpointPoll            = 10 * time.Second
)

// bindCheckpointConfig adds the audit checkpoint flags. Their environment
// defaults are parsed strictly: a malformed value is kept as an error that
// stops every command (see config.check), naming the variable.
func bindCheckpointConfig(fs *flag.FlagSet, getenv func(string) string, c *config) {
	events := int64(defaultCheckpointEvents)
	if v := getenv("CONSENTD_AUDIT_CHECKPOINT_EVENTS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			c.errs = append(c.errs, fmt.Errorf("CONSENTD_AUDIT_CHECKPOINT_EVENTS: %q is not a whole number of events (0 turns the count off)", v))
		}
		events = n
	}
	interval := defaultCheckpointInterval
	if v := getenv("CONSENTD_AUDIT_CHECKPOINT_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("CONSENTD_AUDIT_CHECKPOINT_INTERVAL: %q is not a duration such as 15m or 1h (0 turns the timer off)", v))
		}
		interval = d
	}
	fs.Int64Var(&c.Checkpoints.Events, "audit-checkpoint-events", events,
		"write a signed audit checkpoint after this many audit events; 0 = not by count (CONSENTD_AUDIT_CHECKPOINT_EVENTS)")
	fs.DurationVar(&c.Checkpoints.Interval, "audit-checkpoint-interval", interval,
		"write a signed audit checkpoint this often while events are added; 0 = not by time (CONSENTD_AUDIT_CHECKPOINT_INTERVAL)")
}

// check reports every malformed setting; run calls it after parsing flags.
func (c *config) check() error {
	errs := c.errs
	if c.Checkpoints.Events < 0 {
		errs = append(errs, errors.New("--audit-checkpoint-events (CONSENTD_AUDIT_CHECKPOINT_EVENTS) must not be negative"))
	}
	if c.Checkpoints.Interval != 0 && c.Checkpoints.Interval < time.Second {
		errs = append(errs, fmt.Errorf("--audit-checkpoint-interval (CONSENTD_AUDIT_CHECKPOINT_INTERVAL) is %s: use 0 (off) or at least 1s", c.Checkpoints.Interval))
	}
	return errors.Join(errs...)
}
