package storage

// sqliteWebhookRotationV6 lets an endpoint's previous signing secret keep
// signing beside a new one until previous_secret_expires_at (a rotation's
// overlap). It is kept like secret itself, which deliveries need in clear.
const sqliteWebhookRotationV6 = `
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at INTEGER;
`

// postgresWebhookRotationV6 is sqliteWebhookRotationV6 for PostgreSQL.
const postgresWebhookRotationV6 = `
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at BIGINT;
`
