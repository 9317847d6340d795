#!/usr/bin/env bash
# Sets everything up, then shows berth doing its main job in throwaway namespaces:
# a "host" namespace running berthd (as a container host would) and an "ext"
# neighbour on the same link. Nothing touches this machine's own network namespace,
# and everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

P="berthdemo$$"
HOST="$P-host"; EXT="$P-ext"
DIR="$(mktemp -d /tmp/berth-demo.XXXXXX)"
SOCK="$DIR/berth.sock"
BERTHD_PID=""

cleanup() {
  set +e
  [ -n "$BERTHD_PID" ] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns"
  done
  rm -rf "$DIR"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
berth() { node dist/berth.mjs -H "unix://$SOCK" "$@"; }

ip netns add "$HOST"; ip netns add "$EXT"
ip -n "$HOST" link set lo up; ip -n "$EXT" link set lo up
ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$EXT"
ip -n "$HOST" addr add 10.200.0.1/24 dev eth0; ip -n "$EXT" addr add 10.200.0.2/24 dev eth0
ip -n "$HOST" link set eth0 up; ip -n "$EXT" link set eth0 up
mkdir -p "$DIR/www"; echo "hello from a berth sandbox" > "$DIR/www/index.html"

step "nsenter --net=/var/run/netns/$HOST berthd ..."
# Run as the file itself, as the `berthd` command is: its first line gives node the options berthd wants.
nsenter --net="/var/run/netns/$HOST" dist/src/bin/berthd.js --data-root "$DIR/data" --exec-root "$DIR/exec" \
  -H "unix://$SOCK" --pidfile "$DIR/berthd.pid" --netns-prefix "$P-c-" > "$DIR/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
cat "$DIR/berthd.log"

step "berth network create appnet";            berth network create appnet
step "berth run -d --name web -p 8080:80 --network appnet -- busybox httpd -f -p 80 -h $DIR/www"
berth run -d --name web -p 8080:80 --network appnet -- busybox httpd -f -p 80 -h "$DIR/www"
step "berth run -d --name db --network appnet -- sleep 1d"; berth run -d --name db --network appnet -- sleep 1d
step "berth run -d --name solo -P --expose 5000 -- busybox httpd -f -p 5000 -h $DIR/www"; berth run -d --name solo -P --expose 5000 -- busybox httpd -f -p 5000 -h "$DIR/www"
step "berth ps";                                berth ps
step "berth port web";                          berth port web
step "berth network inspect appnet";            berth network inspect appnet
step "berth exec web -- ip -br addr";           berth exec web -- ip -br addr
step "ip netns list   # every sandbox is visible by name"; ip netns list | grep "^$P-" || true
step "(from the neighbour 10.200.0.2) curl http://10.200.0.1:8080/"
for _ in $(seq 50); do ip netns exec "$EXT" curl -s -m 1 http://10.200.0.1:8080/ && break; sleep 0.1; done
step "iptables-save   # in the host namespace: dockerd 20.10's layout, rule for rule"
ip netns exec "$HOST" iptables-save | grep -v '^#'
step "berth network connect bridge db";         berth network connect bridge db
step "berth network disconnect bridge db";      berth network disconnect bridge db
step "berth stop web";                          berth stop web
step "berth rm web";                            berth rm web
step "berth rm -f db solo";                     berth rm -f db solo
step "berth network rm appnet";                 berth network rm appnet
printf '\nberth demo finished: all namespaces and files are removed on exit.\n'
