package storage

// sqliteWebhookRotationV14 lets an endpoint's previous signing secret keep
// signing beside a new one until previous_secret_expires_at (a rotation's
// overlap). It is kept like secret itself, which deliveries need in clear.
const sqliteWebhookRotationV14 = `
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at INTEGER;
`

// postgresWebhookRotationV14 is sqliteWebhookRotationV14 for PostgreSQL.
const postgresWebhookRotationV14 = `
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at BIGINT;
`
