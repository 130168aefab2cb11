#!/usr/bin/env bash
# Everything dnsconform needs on a fresh Debian 12 machine with Node.js ≥ 20.19: the Debian
# tools it drives or compares itself with (packet capture, kdig for DoT/DoH, dnsperf and the
# reference resolvers for bench/, iproute2 and busybox's udhcpc for the lab-network tests in namespaces, Chromium to print the PDF
# report and poppler-utils to check its signature, redis-server for the lab console's queue test), then the npm dependencies,
# exactly as locked, and last dist/, the compiled JavaScript the command line runs
# (scripts/build.js). Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`dnsconform needs Node.js >= 20.19, found ${process.versions.node}`); process.exit(1) }'

# Debian packages, installed only when one of their commands is missing (apt needs root).
apt_packages=(tcpdump tshark knot-dnsutils dnsperf dnsmasq-base unbound iproute2 iputils-ping openssl chromium poppler-utils jq ldnsutils udhcpc redis-server)
apt_commands=(tcpdump tshark kdig dnsperf dnsmasq unbound ip ping openssl chromium pdfsig jq ldns-signzone udhcpc redis-server)
missing=()
for i in "${!apt_commands[@]}"; do
  command -v "${apt_commands[$i]}" >/dev/null 2>&1 || missing+=("${apt_packages[$i]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
node scripts/build.js
