package storage

import (
	"encoding/json"
	"time"

	"github.com/consentd/consentd/consent"
)

// toMS is a time as stored: UTC milliseconds since the Unix epoch.
func toMS(t time.Time) int64 { return consent.Millis(t).UnixMilli() }

// fromMS is the inverse of toMS.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func toMSPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := toMS(*t)
	return &ms
}

func fromMSPtr(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	t := fromMS(*ms)
	return &t
}

// mustJSON encodes a row-level struct; they hold only JSON-safe types.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("storage: encode JSON column: " + err.Error())
	}
	return string(b)
}
