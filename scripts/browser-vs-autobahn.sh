#!/usr/bin/env bash
# Chromium against the real Autobahn's fuzzing server and against wsspec's,
# on the same cases, through the same page (wsspec's, with ?server= pointing
# it at Autobahn's port), then the two reports side by side.
#   scripts/browser-vs-autobahn.sh [CASES]     (default: sections 1-10)
# Needs chromium, Docker and the real image (scripts/autobahn-image.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-'1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*'}
IMAGE=${AUTOBAHN_IMAGE:-crossbario/autobahn-testsuite:25.10.1-local}
cargo build --release --quiet
BIN=target/release/wsspec
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); DEBUG=$(port)
cp src/fuzzing_server/browser.html "$TMP/page.html"
cat > "$TMP/chromium.sh" <<SH
#!/bin/sh
# Runs the page in Chromium until its title says it is done.
chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$TMP/profile" \
  --remote-debugging-port=$DEBUG "file://$TMP/page.html?server=ws://127.0.0.1:$P&agent=chromium" >/dev/null 2>&1 &
pid=\$!
until python3 -c 'import urllib.request,sys; sys.exit("wsspec: done" not in urllib.request.urlopen("http://127.0.0.1:$DEBUG/json").read().decode())' 2>/dev/null; do
  kill -0 \$pid 2>/dev/null || exit 1
  sleep 2
done
kill \$pid
SH
chmod +x "$TMP/chromium.sh"
echo "== the real Autobahn ($IMAGE), port $P"
"$BIN" autobahn test-clients --image "$IMAGE" --port "$P" --cases "$CASES" --out "$TMP/autobahn" -- "$TMP/chromium.sh" >/dev/null || true
echo "== wsspec test-browser"
"$BIN" test-browser --cases "$CASES" --out "$TMP/wsspec" >/dev/null || true
"$BIN" report "$TMP/autobahn" "$TMP/wsspec" --format markdown | sed -n '1,80p'
python3 - "$TMP/autobahn/index.json" "$TMP/wsspec/index.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["chromium"]
w = json.load(open(sys.argv[2]))["chromium"]
same = [k for k in a if k in w and (a[k]["behavior"], a[k]["behaviorClose"]) == (w[k]["behavior"], w[k]["behaviorClose"])]
diff = [k for k in a if k in w and k not in same]
print(f"{len(same)} of {len(a)} cases with the same verdict pair; differing: {diff}")
for k in diff:
    print(k, "autobahn", a[k]["behavior"], a[k]["behaviorClose"], "wsspec", w[k]["behavior"], w[k]["behaviorClose"])
PY
