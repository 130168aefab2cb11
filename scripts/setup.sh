#!/usr/bin/env bash
# Everything dnsconform needs on a fresh Debian 12 machine with Node.js ≥ 20.19:
# the npm dependencies, exactly as locked. Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`dnsconform needs Node.js >= 20.19, found ${process.versions.node}`); process.exit(1) }'
npm ci --no-audit --no-fund
