package storage

// sqliteWebhooksV3 adds the webhook endpoints, the transactional outbox of
// events, one delivery per event and endpoint, and the log of attempts.
const sqliteWebhooksV3 = `
CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL,
	secret     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	deleted_at INTEGER
);
CREATE TABLE webhook_events (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	payload    BLOB NOT NULL
);
CREATE TABLE webhook_deliveries (
	id               TEXT PRIMARY KEY,
	webhook_id       TEXT NOT NULL REFERENCES webhooks(id),
	event_id         TEXT NOT NULL REFERENCES webhook_events(id),
	status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	claimed_until    INTEGER,
	last_attempt_at  INTEGER,
	last_status_code INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT NOT NULL DEFAULT '',
	delivered_at     INTEGER,
	created_at       INTEGER NOT NULL,
	UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);
CREATE TABLE webhook_attempts (
	delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
	at          INTEGER NOT NULL,
	status_code INTEGER NOT NULL,
	error       TEXT NOT NULL,
	duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, at);
CREATE TRIGGER webhook_events_no_update BEFORE UPDATE ON webhook_events BEGIN SELECT RAISE(ABORT, 'webhook events are append-only'); END;
CREATE TRIGGER webhook_events_no_delete BEFORE DELETE ON webhook_events BEGIN SELECT RAISE(ABORT, 'webhook events are append-only'); END;
CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE ON webhook_attempts BEGIN SELECT RAISE(ABORT, 'webhook attempts are append-only'); END;
CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts BEGIN SELECT RAISE(ABORT, 'webhook attempts are append-only'); END;
`
