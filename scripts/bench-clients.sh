#!/usr/bin/env bash
# Client testing, sections 1-10: wall time of a whole driver run and peak RSS
# of wsspec test-clients, median of N runs, for the reference echo client and
# the Python websockets 17.4 client.   scripts/bench-clients.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
cargo build --release --quiet
BIN=target/release/wsspec
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bench() { # name, driver...
  local name=$1; shift
  for i in $(seq "$N"); do
    local p; p=$(port)
    /usr/bin/time -f "%M" -o "$TMP/rss" "$BIN" test-clients --once --listen "127.0.0.1:$p" --out "$TMP/out" >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$p") 2>/dev/null && break; sleep 0.05; done
    local t0; t0=$(date +%s.%N)
    "$@" "ws://127.0.0.1:$p" >/dev/null 2>&1 || true
    wait "$server" || true
    echo "$(echo "$(date +%s.%N) - $t0" | bc) $(tail -1 "$TMP/rss")" >> "$TMP/$name"
  done
  python3 - "$name" "$TMP/$name" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2])]
wall = [float(r[0]) for r in rows]; rss = [int(r[1]) / 1024 for r in rows]
print(f"{sys.argv[1]}: median wall {statistics.median(wall):.2f} s (runs: {', '.join(f'{w:.2f}' for w in wall)}), median peak RSS {statistics.median(rss):.0f} MiB")
PY
}
bench reference-client "$BIN" echo-client
bench websockets-client python3 tests/peers/websockets_fuzz_client.py
