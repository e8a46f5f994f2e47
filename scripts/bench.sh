#!/usr/bin/env bash
# Speed and memory of a full sections 1-10 run, median of N runs, against the
# built-in reference echo server and the Python websockets 17.4 echo server.
#   scripts/bench.sh [N]        (default 5; needs python3 with websockets==17.4)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
cargo build --release --quiet
BIN=target/release/wsspec
TMP=$(mktemp -d)
trap 'kill $PEER 2>/dev/null || true; rm -rf "$TMP"' EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tests/peers/websockets_echo_server.py "$PORT" >/dev/null 2>&1 &
PEER=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done

run() { # name, peer pid or -, args...
  local name=$1 pid=$2; shift 2
  for i in $(seq "$N"); do
    local before=0
    [ "$pid" != - ] && before=$(awk '{print $14+$15}' /proc/"$pid"/stat)
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" test-server "$@" --exclude "12.*,13.*" --out "$TMP/out-$name" >/dev/null 2>&1 || true
    local after=0
    [ "$pid" != - ] && after=$(awk '{print $14+$15}' /proc/"$pid"/stat)
    echo "$(tail -1 "$TMP/time") $(( after - before ))" >> "$TMP/$name.runs"
  done
  python3 - "$name" "$TMP/$name.runs" "$TMP/out-$name/index.json" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
name, runs, index, tck = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [l.split() for l in open(runs)]
wall = [float(r[0]) for r in rows]; rss = [int(r[1]) / 1024 for r in rows]; peer = [int(r[2]) / tck for r in rows]
print(f"{name}: median wall {statistics.median(wall):.2f} s (runs: {', '.join(f'{w:.2f}' for w in wall)}), "
      f"median peak RSS {statistics.median(rss):.0f} MiB" + (f", peer CPU {statistics.median(peer):.2f} s" if any(peer) else ""))
cases = list(json.load(open(index)).values())[0]
slow = sorted(cases.items(), key=lambda kv: -kv[1]["duration"])[:10]
print("  slowest cases (last run): " + ", ".join(f"{k} {v['duration']} ms" for k, v in slow))
PY
}
run reference - 
run websockets "$PEER" "ws://127.0.0.1:$PORT" --agent websockets-echo
