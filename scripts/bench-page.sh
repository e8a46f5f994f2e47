#!/usr/bin/env bash
# The comparison page at scale: one run of the whole catalogue against the
# built-in server, copied under 15 and 30 agent names, rendered to HTML and
# loaded N times in headless Chromium at 1400x1000 (#bench makes the page
# time itself): median load and filter times, and the file size.
#   scripts/bench-page.sh [N]      (default 5; needs chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
cargo build --release --quiet
BIN=$PWD/target/release/wsspec
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN" test-server --out "$TMP/fresh" >/dev/null 2>&1
for agents in 15 30; do
  python3 - "$TMP" "$agents" <<'PY'
import json, os, shutil, sys
tmp, n = sys.argv[1], int(sys.argv[2])
cases = next(iter(json.load(open(f"{tmp}/fresh/index.json")).values()))
for k in range(n):
    d = f"{tmp}/a{n}-{k:02}"
    if not os.path.exists(d):
        shutil.copytree(f"{tmp}/fresh", d)
        json.dump({f"agent-{k:02}": cases}, open(f"{d}/index.json", "w"))
PY
  "$BIN" report "$TMP"/a"$agents"-* --format html --output "$TMP/page-$agents.html"
  : >"$TMP/times"
  for i in $(seq "$N"); do
    chromium --headless --no-sandbox --disable-gpu --window-size=1400,1000 --virtual-time-budget=20000 \
      --dump-dom "file://$TMP/page-$agents.html#bench" 2>/dev/null |
      grep -o 'data-load-ms="[0-9]*"\|data-filter-ms="[0-9.]*"' | tr '\n' ' ' >>"$TMP/times"
    echo >>"$TMP/times"
  done
  python3 - "$agents" "$TMP/times" "$TMP/page-$agents.html" <<'PY'
import os, re, statistics, sys
n, times, page = sys.argv[1], sys.argv[2], sys.argv[3]
load = [float(m) for m in re.findall(r'data-load-ms="([\d.]+)"', open(times).read())]
flt = [float(m) for m in re.findall(r'data-filter-ms="([\d.]+)"', open(times).read())]
print(f"{n} agents x 517 cases: {os.path.getsize(page) / 1e6:.1f} MB; load median {statistics.median(load):.0f} ms "
      f"(runs: {', '.join(f'{x:.0f}' for x in load)}); a filter median {statistics.median(flt):.1f} ms")
PY
done
