#!/usr/bin/env bash
# `wsspec fuzz` against every server the tests install, one at a time:
# the zoo's binaries (target/zoo, built by tests/peers/zoo/build.sh), the
# Python peers (websockets, hypercorn), Node's ws and the reference echo
# server. Findings go to reports/fuzz-zoo/NAME/, one case file each, and a
# summary line per server to reports/fuzz-zoo/summary.txt.
#   scripts/fuzz-zoo.sh [SECONDS] [SEED]    (default 300 s each, seed 1)
# ONLY="gorilla lws" runs those alone; OUT=DIR writes elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-300}
SEED=${2:-1}
OUT=${OUT:-reports/fuzz-zoo}
ONLY=${ONLY:-}
cargo build --release --quiet
BIN=target/release/wsspec
mkdir -p "$OUT"
: > "$OUT/summary.txt"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run() { # name, command... (the port is appended)
  local name=$1; shift
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  local port; port=$(free_port)
  "$@" "$port" >/dev/null 2>&1 &
  local pid=$!
  if wait_port "$port"; then
    rm -rf "${OUT:?}/$name"
    "$BIN" fuzz "ws://127.0.0.1:$port/" --seed "$SEED" --time "${SECS}s" --out "$OUT/$name" > "$OUT/$name.txt" 2>&1
    echo "$name: $(head -1 "$OUT/$name.txt")" | tee -a "$OUT/summary.txt"
  else
    echo "$name: did not start" | tee -a "$OUT/summary.txt"
  fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

for z in gorilla-echo websocketpp-echo lws-echo jetty-echo aiohttp-echo tornado-echo beast-sync-echo; do
  [ -x "target/zoo/$z" ] && run "${z%-echo}" "target/zoo/$z"
done
run websockets python3 tests/peers/websockets_echo_server.py
run hypercorn python3 tests/peers/hypercorn_echo.py
NODE_PATH=/usr/share/nodejs run node-ws node tests/peers/ws_echo_server.js
run reference bash -c "exec $BIN echo-server --listen 127.0.0.1:\$0"
