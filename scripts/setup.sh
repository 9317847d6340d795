#!/usr/bin/env bash
# Installs everything berth and its tests need on a fresh Debian 12 machine (as root):
# the kernel tools berth drives, the reference systems the differential suite runs
# (dockerd 20.10, netavark, CNI plugins), and the npm dependencies; then builds.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iptables nftables iproute2 conntrack tcpdump busybox-static util-linux procps curl
          docker.io containernetworking-plugins netavark bats hyperfine)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # docker.io must not start a dockerd in this (root) namespace: berth's tests run
  # dockerd only inside namespaces they create. Deny service starts while installing.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  trap '[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "setup: Node.js 20 or newer is required" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "setup: Node.js 20 or newer is required" >&2; exit 1; }
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
echo "setup: done"
