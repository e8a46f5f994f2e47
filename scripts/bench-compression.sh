#!/usr/bin/env bash
# Sections 12-13 (permessage-deflate, 216 cases) against the Python
# websockets 17.4 echo server: wall time, peak RSS, and the peer's own CPU
# time (the floor: it compresses and inflates every message), N runs.
#   scripts/bench-compression.sh [N]      (default 1: a run takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1}
cargo build --release --quiet
TMP=$(mktemp -d)
trap 'kill $PEER 2>/dev/null || true; rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tests/peers/websockets_echo_server.py "$PORT" >/dev/null 2>&1 &
PEER=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
for i in $(seq "$N"); do
  before=$(awk '{print $14+$15}' /proc/$PEER/stat)
  /usr/bin/time -f "%e %M" -o "$TMP/time" target/release/wsspec test-server "ws://127.0.0.1:$PORT" \
    --cases '12.*,13.*' --out "$TMP/out" >/dev/null 2>&1 || true
  after=$(awk '{print $14+$15}' /proc/$PEER/stat)
  read -r wall rss < <(tail -1 "$TMP/time")
  ok=$(python3 -c "import json,sys; d=list(json.load(open('$TMP/out/index.json')).values())[0]; print(sum(v['behavior']=='OK' for v in d.values()), len(d))")
  echo "run $i: wall ${wall} s, peak RSS $((rss / 1024)) MiB, peer CPU $(( (after - before) / $(getconf CLK_TCK) )) s, OK/cases: $ok"
done
