#!/usr/bin/env bash
# Regenerates src/Settlement.Domain/Invoicing/Jurisdictions/Data/boundaries.geojson.gz from the pinned
# npm packages (see package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build-boundaries.mjs
