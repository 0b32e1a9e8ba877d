package storage

// MigrationVersions is how many migrations this consentd has, for the
// external tests that check a target's schema_migrations.
var MigrationVersions = len(migrations)
