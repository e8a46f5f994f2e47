#!/usr/bin/env bash
# WebSockets over HTTP/2 (RFC 8441) against HTTP/1.1, on the built-in
# reference server (in-process, both on one port): wall time of Autobahn's
# 517 cases each way, their ratio (issue 27 asks for at most 1.2), and the
# wall time of the RFC 8441 section (h2.*). Medians of N runs (default 5).
#   scripts/bench-http2.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
cargo build --release --quiet
BIN=target/release/wsspec
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

wall() { # label, args...: N wall times in seconds, one per line
  local label=$1; shift
  for i in $(seq "$N"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" test-server "$@" --out "$TMP/$label-$i" --format markdown >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

h1=$(wall h1 | median)
h2=$(wall h2 --http2 | median)
section=$(wall section --cases 'h2.*' | median)
echo "517 cases over HTTP/1.1: ${h1} s (median of $N)"
echo "517 cases over HTTP/2:   ${h2} s (median of $N)"
echo "ratio HTTP/2 / HTTP/1.1: $(echo "$h2 $h1" | awk '{printf "%.2f", $1 / $2}')"
echo "h2.* (30 cases):         ${section} s (median of $N)"
