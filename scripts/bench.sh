#!/usr/bin/env bash
# Wall time and peak memory of wsspec runs, each beside the floor it is
# measured against, the largest of: the longest pause the selected cases
# require of a correct peer (`wsspec cases floor`); the lone chain, the sum
# of the durations of the cases that must run alone and have no pause (9.x,
# the races: `wsspec cases floor --lone`), read from the run's own
# index.json, since no two of them may overlap; and the peer's own CPU time
# read from /proc/PID/stat for the peers this script starts. The ratio
# wall/floor says how much the runner's scheduling costs.
#
#   scripts/bench.sh [N] [ROW...]
#
# N runs each (default 5), medians printed; with ROWs, only those rows:
#   reference-all      517 cases, the built-in reference server (in-process)
#   echo-server-all    517 cases, the reference echo server (tokio-tungstenite)
#                      as its own process, alternating with kosoku 0.1.0
#                      (the parallel Autobahn runner on PyPI, 32 workers)
#   reference-1-10     sections 1-10, the built-in server
#   websockets-1-10    sections 1-10, Python websockets 17.4
#   text-as-binary-1-10  sections 1-10, a websockets server that answers text
#                      with binary (about 120 FAILED)
#   websockets-all     517 cases, Python websockets 17.4 (minutes: not by default)
# Needs python3 with websockets==17.4 (scripts/test.sh installs it); kosoku is
# installed with pip if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
shift || true
ROWS=("$@")
((${#ROWS[@]})) || ROWS=(reference-all echo-server-all reference-1-10 websockets-1-10 text-as-binary-1-10)
cargo build --release --quiet --workspace
BIN=target/release/wsspec
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; echo "bench: nothing listens on $1" >&2; exit 2; }
start() { # port, command...: starts a peer, sets PEER to its pid
  local port=$1; shift
  "$@" >/dev/null 2>&1 &
  PEER=$!
  PIDS+=("$PEER")
  wait_port "$port"
}
cpu() { [ "$1" = - ] && echo 0 || awk '{print $14+$15}' /proc/"$1"/stat; }

# The seconds the lone cases (IDs, comma-separated) of a run's index took.
chain() { # index.json, ids
  python3 - "$1" "$2" <<'PY'
import json, sys
lone = set(filter(None, sys.argv[2].split(",")))
try:
    index = json.load(open(sys.argv[1]))
except OSError:
    index = {}
print(sum(e["duration"] for cases in index.values() for i, e in cases.items() if i in lone) / 1000)
PY
}

# One timed run: name, peer pid or -, lone IDs, out dir, command...;
# appends "wall rss peer_ticks chain_seconds".
timed() {
  local name=$1 pid=$2 lone=$3 out=$4; shift 4
  local before after
  rm -rf "$out"
  before=$(cpu "$pid")
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>&1 || true
  after=$(cpu "$pid")
  echo "$(tail -1 "$TMP/time") $((after - before)) $(chain "$out/index.json" "$lone")" >>"$TMP/$name.runs"
}

report() { # name, floor seconds from the catalogue
  python3 - "$1" "$TMP/$1.runs" "$2" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
name, runs, waits, tck = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rows = [l.split() for l in open(runs)]
wall = [float(r[0]) for r in rows]
rss = [int(r[1]) / 1024 for r in rows]
peer = [int(r[2]) / tck for r in rows]
lone = [float(r[3]) for r in rows]
w, cpu, chain = statistics.median(wall), statistics.median(peer), statistics.median(lone)
floor = max(waits, cpu, chain)
print(f"{name:22} wall {w:6.2f} s  floor {floor:5.2f} s (pauses {waits:.2f}, lone chain {chain:.2f}, peer CPU {cpu:.2f})  "
      f"wall/floor {w / floor if floor else float('nan'):.2f}  peak RSS {statistics.median(rss):4.0f} MiB  "
      f"runs: {', '.join(f'{x:.2f}' for x in wall)}")
PY
}

floor_of() { # the selection flags of a test-server command line [--lone]
  local sel=()
  while (($#)); do
    case $1 in --cases | --exclude) sel+=("$1" "$2"); shift 2 ;; --lone) sel+=(--lone); shift ;; *) shift ;; esac
  done
  "$BIN" cases floor "${sel[@]}"
}
ALL=(--cases '*')
FIRST_TEN=(--exclude '12.*,13.*')

row() { # name, peer pid or -, url or -, selection...
  local name=$1 pid=$2 url=$3; shift 3
  local target=()
  [ "$url" != - ] && target=("$url")
  local lone
  lone=$(floor_of "$@" --lone)
  for _ in $(seq "$N"); do
    timed "$name" "$pid" "$lone" "$TMP/out-$name" "$BIN" test-server "${target[@]}" "$@" --out "$TMP/out-$name"
  done
  report "$name" "$(floor_of "$@")"
}

for r in "${ROWS[@]}"; do
  case $r in
  reference-all) row "$r" - - "${ALL[@]}" ;;
  reference-1-10) row "$r" - - "${FIRST_TEN[@]}" ;;
  websockets-1-10 | websockets-all)
    port=$(free_port)
    start "$port" python3 tests/peers/websockets_echo_server.py "$port"
    if [ "$r" = websockets-all ]; then sel=("${ALL[@]}"); else sel=("${FIRST_TEN[@]}"); fi
    row "$r" "$PEER" "ws://127.0.0.1:$port" "${sel[@]}" --agent websockets-echo
    ;;
  text-as-binary-1-10)
    port=$(free_port)
    start "$port" python3 tests/peers/wrong_echo_server.py text-as-binary "$port"
    row "$r" "$PEER" "ws://127.0.0.1:$port" "${FIRST_TEN[@]}" --agent text-as-binary
    ;;
  echo-server-all)
    python3 -c 'import kosoku' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check kosoku==0.1.0
    port=$(free_port)
    start "$port" target/release/echo-server "127.0.0.1:$port"
    # Alternating runs in one call, so both see the same machine. kosoku
    # is measured against the same floor, without a lone chain of its own.
    lone=$(floor_of "${ALL[@]}" --lone)
    for _ in $(seq "$N"); do
      timed wsspec-echo-server "$PEER" "$lone" "$TMP/out-echo" "$BIN" test-server "ws://127.0.0.1:$port" --out "$TMP/out-echo"
      timed kosoku-32-echo-server "$PEER" "" "$TMP/out-kosoku" python3 -c 'import sys; from kosoku._cli import main; sys.exit(main())' \
        -m fuzzingclient "127.0.0.1:$port" -p 32 -o "$TMP/out-kosoku"
    done
    report wsspec-echo-server "$(floor_of "${ALL[@]}")"
    report kosoku-32-echo-server "$(floor_of "${ALL[@]}")"
    ;;
  *) echo "bench: unknown row '$r'" >&2; exit 2 ;;
  esac
done
