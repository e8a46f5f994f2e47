#!/usr/bin/env bash
# What TLS costs: all 517 cases against the reference echo server over
# ws:// and over wss:// (a certificate it makes itself, --ca its CA), N runs
# each (default 3): median wall times, their ratio, and whether the two
# runs' verdicts are the same. Then the browser: `wsspec test-browser` on
# sections 1-10 over ws:// (needs chromium).
#   scripts/bench-tls.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
cargo build --release --quiet
BIN=target/release/wsspec
TMP=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; echo "no server on $1" >&2; exit 2; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
verdicts() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["peer"]; print(json.dumps({k:[v["behavior"],v["behaviorClose"]] for k,v in sorted(d.items())}))' "$1"; }

P=$(port); "$BIN" echo-server --listen "127.0.0.1:$P" >/dev/null & PIDS+=($!); wait_port "$P"
T=$(port); "$BIN" echo-server --listen "127.0.0.1:$T" --tls-self-signed "$TMP/ca.pem" >/dev/null & PIDS+=($!); wait_port "$T"
for mode in ws wss; do
  : > "$TMP/$mode"
  for _ in $(seq "$N"); do
    if [ $mode = ws ]; then url="ws://127.0.0.1:$P"; extra=(); else url="wss://localhost:$T"; extra=(--ca "$TMP/ca.pem"); fi
    start=$(date +%s.%N)
    "$BIN" test-server "$url" "${extra[@]}" --agent peer --out "$TMP/out-$mode" >/dev/null 2>&1 || true
    echo "$(date +%s.%N) - $start" | bc >> "$TMP/$mode"
  done
done
ws=$(median < "$TMP/ws"); wss=$(median < "$TMP/wss")
same=$([ "$(verdicts "$TMP/out-ws/index.json")" = "$(verdicts "$TMP/out-wss/index.json")" ] && echo same || echo DIFFERENT)
printf '517 cases, reference server: ws:// %.1f s, wss:// %.1f s (median of %d), ratio %.2f; verdicts %s\n' \
  "$ws" "$wss" "$N" "$(echo "$wss / $ws" | bc -l)" "$same"

if command -v chromium >/dev/null; then
  : > "$TMP/browser"
  for _ in $(seq "$N"); do
    start=$(date +%s.%N)
    "$BIN" test-browser --cases '1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*' --out "$TMP/browser-out" >/dev/null 2>&1 || true
    echo "$(date +%s.%N) - $start" | bc >> "$TMP/browser"
  done
  printf 'test-browser, chromium, sections 1-10: %.1f s (median of %d)\n' "$(median < "$TMP/browser")" "$N"
fi
