#!/usr/bin/env bash
# Records the verdicts of the shipped custom cases against the three test
# peers into tests/expected/custom-<peer>.json, which CI then holds them to.
# Run it after adding or changing a case, read the diff, and say in the
# case's description why a peer's verdict is what it is.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/wsspec
CASES=$(ls cases/*.json | xargs -n1 basename | sed 's/\.json$/.*/' | paste -sd, -)
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; echo "no peer on $1" >&2; exit 2; }
record() { # peer, extra args...
  local peer=$1; shift
  "$BIN" test-server "$@" --agent peer --cases "$CASES" --out "$TMP/$peer" >/dev/null 2>&1 || true
  python3 - "$TMP/$peer/index.json" "tests/expected/custom-$peer.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))["peer"]
table = {k: [v["behavior"], v["behaviorClose"]] for k, v in sorted(cases.items())}
open(sys.argv[2], "w").write(json.dumps(table, indent=1) + "\n")
print(sys.argv[2], len(table), "cases,", sum(1 for v in table.values() if v != ["OK", "OK"]), "not OK/OK")
PY
}
record reference
P=$(port); python3 tests/peers/websockets_echo_server.py "$P" >/dev/null 2>&1 & wait_port "$P"
record websockets "ws://127.0.0.1:$P"
P=$(port); NODE_PATH=/usr/share/nodejs node tests/peers/ws_echo_server.js "$P" >/dev/null 2>&1 & wait_port "$P"
record ws "ws://127.0.0.1:$P"
