#!/usr/bin/env bash
# Installs the outside checkers that Go tests run with node: the official
# Standard Webhooks library (webhook deliveries verified as a receiver would),
# Redocly CLI (OpenAPI lint) and axe-core (tablet accessibility audit), at
# the versions pinned in package-lock.json, into node_modules (ignored by git).
# Needs node (>= 20.19) and npm (the machine image ships nodejs from apt;
# otherwise `apt-get install -y nodejs npm`). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "npmtools: node and npm are required (apt-get install -y nodejs npm)" >&2
	exit 1
fi
if [ -d node_modules ] && cmp -s package-lock.json node_modules/.package-lock.json.src 2>/dev/null; then
	echo "npmtools: already installed"
	exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
cp package-lock.json node_modules/.package-lock.json.src
node -e "require('standardwebhooks'); require('axe-core')"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node node_modules/@redocly/cli/bin/cli.js --version >/dev/null
echo "npmtools: installed in $(pwd)/node_modules"
