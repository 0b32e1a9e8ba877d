package consent

import "context"

// failedAuths configures f, the folder of failed authentications: a
// failure folds with the others of its source and window, counted by
// reason (see EventFolder).
func failedAuths(f *EventFolder) *EventFolder {
	if f.Key == nil {
		f.Key, f.CountBy = failureSource, "reason"
	}
	return f
}

// failureSource is who a failure is counted for: the enrolled device the
// request came from (proven by its token, so tablets behind one clinic router
// and other clients on that address are told apart), else the client address.
func failureSource(ctx context.Context, e *AuditEvent) string {
	if d := RequestFrom(ctx).Device; d != "" {
		return "device:" + d
	}
	return "ip:" + e.IP
}
