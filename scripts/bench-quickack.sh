#!/usr/bin/env bash
# What quick ACKs (TCP_QUICKACK after each read) save against real peers:
# 12.1.* (18 compression cases, 16 B to 128 KiB messages) against each
# deflate-capable zoo server, with quick ACKs and with the kernel's delayed
# ACKs (WSSPEC_DELAYED_ACKS=1), N runs each (default 3); medians.
#   scripts/bench-quickack.sh [N] [server ...]
# Servers: target/zoo/<name> (scripts/test.sh builds them) or "websockets"
# (the Python websockets echo server of tests/peers).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
shift || true
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(beast-sync-echo websocketpp-echo lws-echo jetty-echo aiohttp-echo tornado-echo websockets)
cargo build --release --quiet
TMP=$(mktemp -d)
PEER=
trap '[ -n "$PEER" ] && kill $PEER 2>/dev/null; rm -rf "$TMP"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '%-18s %14s %14s %8s\n' server "quick ACK (s)" "delayed (s)" ratio
for s in "${SERVERS[@]}"; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "$s" = websockets ]; then
    python3 tests/peers/websockets_echo_server.py "$PORT" >/dev/null 2>&1 &
  else
    "target/zoo/$s" "$PORT" >/dev/null 2>&1 &
  fi
  PEER=$!
  for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
  declare -A walls=()
  for mode in quick delayed; do
    : > "$TMP/$mode"
    for _ in $(seq "$N"); do
      start=$(date +%s.%N)
      if [ $mode = delayed ]; then export WSSPEC_DELAYED_ACKS=1; else unset WSSPEC_DELAYED_ACKS; fi
      target/release/wsspec test-server "ws://127.0.0.1:$PORT" --cases '12.1.*' --out "$TMP/out" >/dev/null 2>&1 || true
      echo "$(date +%s.%N) - $start" | bc >> "$TMP/$mode"
    done
    walls[$mode]=$(median < "$TMP/$mode")
  done
  unset WSSPEC_DELAYED_ACKS
  printf '%-18s %14.1f %14.1f %8.2f\n' "$s" "${walls[quick]}" "${walls[delayed]}" "$(echo "${walls[delayed]} / ${walls[quick]}" | bc -l)"
  kill $PEER 2>/dev/null || true
  wait $PEER 2>/dev/null || true
  PEER=
done
