package consent

import (
	"strconv"
	"time"
)

// TimeLayout is the API's timestamp format: RFC 3339, UTC, milliseconds, "Z".
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime formats t in UTC with millisecond precision.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Millis truncates t to milliseconds in UTC, the precision every stored time has.
func Millis(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
