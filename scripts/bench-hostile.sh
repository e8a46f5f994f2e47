#!/usr/bin/env bash
# What hostile peers cost wsspec: peak RSS, wall time and the largest
# per-case report, median of N runs, against the tests' hostile servers
# (tests/peers/hostile_server.py), and the time to give up on a dead target.
#   scripts/bench-hostile.sh [N] [CASES] [MODE...]
# N default 3; CASES default '*' (the whole catalogue: about ten minutes per
# run, since every flooded case waits out its one-second close timeout);
# MODE default: flood-continue big. Peak RSS comes from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
CASES=${2:-*}
shift 2 2>/dev/null || shift $#
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(flood-continue big)
cargo build --release --quiet
BIN=$PWD/target/release/wsspec
TMP=$(mktemp -d)
PEERS=()
trap 'kill "${PEERS[@]}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for mode in "${MODES[@]}"; do
  port=$(free_port)
  python3 tests/peers/hostile_server.py "$mode" "$port" >/dev/null 2>&1 &
  PEERS+=($!)
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  : >"$TMP/$mode.runs"
  for i in $(seq "$N"); do
    rm -rf "$TMP/out"
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" test-server "ws://127.0.0.1:$port" --cases "$CASES" \
      --jobs 32 --out "$TMP/out" >/dev/null 2>&1 || true
    biggest=$(find "$TMP/out" -name '*.json' ! -name index.json -printf '%s\n' | sort -n | tail -1)
    cases=$(python3 -c 'import json,sys; print(sum(len(c) for c in json.load(open(sys.argv[1])).values()))' "$TMP/out/index.json")
    echo "$(tail -1 "$TMP/time") ${biggest:-0} $cases" >>"$TMP/$mode.runs"
  done
  python3 - "$mode" "$TMP/$mode.runs" <<'PY'
import statistics, sys
mode, runs = sys.argv[1], sys.argv[2]
rows = [l.split() for l in open(runs)]
wall = [float(r[0]) for r in rows]; rss = [int(r[1]) / 1024 for r in rows]
size = max(int(r[2]) for r in rows); cases = rows[-1][3]
print(f"{mode}: {cases} cases, median wall {statistics.median(wall):.1f} s, median peak RSS "
      f"{statistics.median(rss):.0f} MiB (runs: {', '.join(f'{r:.0f}' for r in rss)}), largest per-case file {size / 1024:.0f} KiB")
PY
done

# A dead target: a listener whose backlog is full never completes a connection.
python3 - "$BIN" "$N" <<'PY'
import socket, statistics, subprocess, sys, time
bin, n = sys.argv[1], int(sys.argv[2])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
port = l.getsockname()[1]
held = []
for _ in range(4):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("127.0.0.1", port)); held.append(s)
time.sleep(0.5)
times = []
for _ in range(n):
    t = time.time()
    r = subprocess.run([bin, "test-server", f"ws://127.0.0.1:{port}", "--out", "/tmp/wsspec-dead"], capture_output=True)
    times.append(time.time() - t)
print(f"dead target: exit {r.returncode} after a median {statistics.median(times):.1f} s: {r.stderr.decode().strip()}")
PY
