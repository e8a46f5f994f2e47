#!/usr/bin/env bash
# Records the real Autobahn|Testsuite's verdicts (wstest -m fuzzingclient) on
# the zoo's third-party echo servers into tests/oracles/zoo/.
#
#   scripts/record-zoo-oracles.sh [NAME...]
#
# NAME is gorilla, websocketpp, libwebsockets (the default: these three, all
# cases), beast-12.1 (beast-sync-echo, cases 12.1.* only, at most 20 min), or
# hypercorn (tests/peers/hypercorn_echo.py on hypercorn 0.18.0, a Python peer
# rather than a zoo binary: sections 1-10 and 96 small compression cases,
# 12.*.1-12.*.8 and 13.*.1-13.*.8; issue 29).
# Names run ONE AT A TIME (timing matters). For each one:
#   1. start target/zoo/<server> (or the Python peer, with python3) on a free
#      port in 127.0.0.1:9201-9299;
#   2. run the real Autobahn fuzzing client against it, bounded by `timeout`;
#   3. copy index.json to tests/oracles/zoo/NAME-server.json as written, and the
#      per-case JSON files of non-OK cases (behavior or behaviorClose) in
#      sections 12 and 13 to tests/oracles/zoo/NAME-server-cases/ (all of them
#      if they total under 2 MB, else the first 10);
#   4. stop the server and remove the container (docker rm -f -v). The image
#      declares VOLUME /config and /reports; both are bind-mounted, so a run
#      makes no docker volume (others' volumes are never touched).
# A run cut by the bound is not recorded (wstest then writes its reports with
# the interrupted case FAILED); a server that dies mid-run is recorded as
# wstest saw it (it stops at the first refused connection) and reported.
# Builds the image (scripts/autobahn-image.sh) and the zoo server
# (tests/peers/zoo/build.sh) first if missing, and pip-installs
# tests/peers/requirements.txt if a Python peer's module is missing. Run as root.
#
# Environment: AUTOBAHN_IMAGE (default crossbario/autobahn-testsuite:25.10.1-local),
# ZOO_OUT (default target/zoo), ORACLE_TIMEOUT (seconds, overrides the bound),
# KEEP_WORK=1 keeps the work folder (spec, raw reports, wstest and server logs),
# ORACLE_DEST (default tests/oracles/zoo) is where the oracles are written
# (e.g. a scratch folder to compare repeated runs).
# Exit status: 0 if every name was recorded, 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${AUTOBAHN_IMAGE:-crossbario/autobahn-testsuite:25.10.1-local}
ZOO=${ZOO_OUT:-$ROOT/target/zoo}
DEST=${ORACLE_DEST:-$ROOT/tests/oracles/zoo}
MAX_CASE_BYTES=$((2 * 1024 * 1024))

# NAME -> zoo binary, build.sh key, agent, cases (JSON list), bound (s);
# or, instead of a zoo binary and key, a Python peer (run as
# `python3 SCRIPT PORT`) and the module whose absence means a pip install.
declare -A BIN=([gorilla]=gorilla-echo [websocketpp]=websocketpp-echo [libwebsockets]=lws-echo [beast-12.1]=beast-sync-echo)
declare -A KEY=([gorilla]=gorilla [websocketpp]=websocketpp [libwebsockets]=lws [beast-12.1]=beast)
declare -A PYPEER=([hypercorn]=tests/peers/hypercorn_echo.py)
declare -A PYMOD=([hypercorn]=hypercorn)
declare -A AGENT=([gorilla]=gorilla [websocketpp]=websocketpp [libwebsockets]=libwebsockets [beast-12.1]=beast [hypercorn]=hypercorn)
# Sections 1-10 (301 cases) and the eight smallest sizes (.1-.8) of every
# compression group, 12.1-12.5 and 13.1-13.7 (96 cases; issue 29). Listed one
# by one: wstest anchors a pattern at its start only, so "12.*.1" would also
# take 12.1.10-12.1.18.
HYPERCORN_CASES='["1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*",
 "12.1.1","12.1.2","12.1.3","12.1.4","12.1.5","12.1.6","12.1.7","12.1.8",
 "12.2.1","12.2.2","12.2.3","12.2.4","12.2.5","12.2.6","12.2.7","12.2.8",
 "12.3.1","12.3.2","12.3.3","12.3.4","12.3.5","12.3.6","12.3.7","12.3.8",
 "12.4.1","12.4.2","12.4.3","12.4.4","12.4.5","12.4.6","12.4.7","12.4.8",
 "12.5.1","12.5.2","12.5.3","12.5.4","12.5.5","12.5.6","12.5.7","12.5.8",
 "13.1.1","13.1.2","13.1.3","13.1.4","13.1.5","13.1.6","13.1.7","13.1.8",
 "13.2.1","13.2.2","13.2.3","13.2.4","13.2.5","13.2.6","13.2.7","13.2.8",
 "13.3.1","13.3.2","13.3.3","13.3.4","13.3.5","13.3.6","13.3.7","13.3.8",
 "13.4.1","13.4.2","13.4.3","13.4.4","13.4.5","13.4.6","13.4.7","13.4.8",
 "13.5.1","13.5.2","13.5.3","13.5.4","13.5.5","13.5.6","13.5.7","13.5.8",
 "13.6.1","13.6.2","13.6.3","13.6.4","13.6.5","13.6.6","13.6.7","13.6.8",
 "13.7.1","13.7.2","13.7.3","13.7.4","13.7.5","13.7.6","13.7.7","13.7.8"]'
declare -A CASES=([gorilla]='["*"]' [websocketpp]='["*"]' [libwebsockets]='["*"]' [beast-12.1]='["12.1.*"]'
  [hypercorn]=$HYPERCORN_CASES)
declare -A BOUND=([gorilla]=2400 [websocketpp]=2400 [libwebsockets]=2400 [beast-12.1]=1200 [hypercorn]=1200)

say() { echo "record-zoo-oracles: $*"; }
die() { echo "record-zoo-oracles: error: $*" >&2; exit 1; }

NAMES=("$@")
((${#NAMES[@]})) || NAMES=(gorilla websocketpp libwebsockets)
for n in "${NAMES[@]}"; do
  [[ -n ${AGENT[$n]:-} ]] || die "unknown NAME '$n' (known: ${!AGENT[*]})"
done

command -v docker >/dev/null || die "docker not found"
docker info >/dev/null 2>&1 || die "docker engine not reachable"
command -v python3 >/dev/null || die "python3 not found"
command -v ss >/dev/null || die "ss (iproute2) not found"

# --- prerequisites ------------------------------------------------------------
docker image inspect "$IMAGE" >/dev/null 2>&1 || "$ROOT/scripts/autobahn-image.sh" "$IMAGE"
need=()
pip=0
for n in "${NAMES[@]}"; do
  if [[ -n ${PYPEER[$n]:-} ]]; then
    python3 -c "import ${PYMOD[$n]}" 2>/dev/null || pip=1
  else
    [[ -x $ZOO/${BIN[$n]} ]] || need+=("${KEY[$n]}")
  fi
done
if ((${#need[@]})); then
  ZOO_SERVERS="${need[*]}" bash "$ROOT/tests/peers/zoo/build.sh" "$ZOO"
fi
((pip == 0)) || python3 -m pip install --quiet -r "$ROOT/tests/peers/requirements.txt"

# --- clean-up, whatever happens ---------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/zoo-oracles.XXXXXX")
CONTAINER=
SERVER_PID=
cleanup() {
  if [[ -n $CONTAINER ]]; then docker rm -f -v "$CONTAINER" >/dev/null 2>&1 || true; fi
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ ${KEEP_WORK:-} == 1 ]]; then say "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local p
  for p in $(seq 9201 9299); do
    [[ -z $(ss -Htln "sport = :$p") ]] && { echo "$p"; return; }
  done
  return 1
}

# summary FILE: verdict counts, non-OK 12/13 cases, summed 12/13 durations
summary() {
  python3 - "$1" <<'EOF'
import json, sys
from collections import Counter
idx = json.load(open(sys.argv[1]))
for agent, cases in idx.items():
    key = lambda c: tuple(int(x) for x in c.split("."))
    lo = Counter(v["behavior"] for c, v in cases.items() if int(c.split(".")[0]) <= 11)
    hi = Counter(v["behavior"] for c, v in cases.items() if int(c.split(".")[0]) >= 12)
    ms = sum(v["duration"] for c, v in cases.items() if int(c.split(".")[0]) >= 12)
    bad = sorted((c for c, v in cases.items() if int(c.split(".")[0]) >= 12
                  and (v["behavior"] != "OK" or v["behaviorClose"] != "OK")), key=key)
    print("%s: %d cases; 1-10 %s; 12-13 %s; 12-13 durations %.1f s; non-OK in 12-13: %d"
          % (agent, len(cases), dict(lo), dict(hi), ms / 1000.0, len(bad)))
EOF
}

# copy_cases REPORTS_DIR INDEX DEST_DIR: non-OK 12/13 per-case files
copy_cases() {
  python3 - "$1" "$2" "$3" "$MAX_CASE_BYTES" <<'EOF'
import json, os, shutil, sys
src, index, dest, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
key = lambda c: tuple(int(x) for x in c.split("."))
files = []
for agent, cases in json.load(open(index)).items():
    for c in sorted(cases, key=key):
        v = cases[c]
        if int(c.split(".")[0]) >= 12 and (v["behavior"] != "OK" or v["behaviorClose"] != "OK"):
            files.append(os.path.join(src, v["reportfile"]))
files = [f for f in files if os.path.exists(f)]
total = sum(os.path.getsize(f) for f in files)
if total >= limit:
    print("non-OK 12/13 per-case files total %d bytes; copying the first 10 of %d" % (total, len(files)))
    files = files[:10]
shutil.rmtree(dest, ignore_errors=True)
if files:
    os.makedirs(dest)
    for f in files:
        shutil.copyfile(f, os.path.join(dest, os.path.basename(f)))
print("%d per-case files -> %s" % (len(files), dest))
EOF
}

# --- one name ----------------------------------------------------------------
record() {
  local name=$1 bin=${BIN[$1]:-${PYPEER[$1]:-}} agent=${AGENT[$1]} bound=${ORACLE_TIMEOUT:-${BOUND[$1]}}
  local dir=$WORK/$name port t0 t1 rc=0 status=ok
  mkdir -p "$dir/config" "$dir/reports"
  port=$(free_port) || { say "$name: no free port in 9201-9299"; return 1; }

  if [[ -n ${PYPEER[$name]:-} ]]; then
    python3 "$ROOT/$bin" "$port" >"$dir/server.log" 2>&1 &
  else
    "$ZOO/$bin" "$port" >"$dir/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  local i
  for i in $(seq 100); do
    [[ -n $(ss -Htln "sport = :$port") ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { say "$name: $bin exited at start"; SERVER_PID=; return 1; }
    sleep 0.1
  done
  [[ -n $(ss -Htln "sport = :$port") ]] || { say "$name: $bin not listening on $port"; return 1; }

  cat >"$dir/config/fuzzingclient.json" <<EOF
{"outdir": "/reports/servers", "servers": [{"agent": "$agent", "url": "ws://127.0.0.1:$port"}], "cases": ${CASES[$name]}, "exclude-cases": [], "exclude-agent-cases": {}}
EOF
  CONTAINER=wsspec-oracle-$agent-$$
  say "$name: $bin on 127.0.0.1:$port, cases ${CASES[$name]}, bound ${bound}s"
  t0=$(date +%s.%N)
  timeout -k 30 "$bound" docker run --rm --name "$CONTAINER" --network host -e PYTHONUNBUFFERED=1 \
    -v "$dir/config:/config" -v "$dir/reports:/reports" \
    "$IMAGE" wstest -m fuzzingclient -s /config/fuzzingclient.json >"$dir/wstest.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  docker rm -f -v "$CONTAINER" >/dev/null 2>&1 || true
  CONTAINER=
  local wall last
  wall=$(python3 -c "print('%.1f' % ($t1 - $t0))")
  last=$(grep -o 'Running test case ID [^ ]*' "$dir/wstest.log" | tail -1 | awk '{print $5}' || true)
  ((rc == 124)) && { status="timed out after ${bound}s (last case started: ${last:-none})"; }
  ((rc != 0 && rc != 124)) && status="wstest exited with $rc (last case started: ${last:-none})"
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  else
    local src=0
    wait "$SERVER_PID" 2>/dev/null || src=$?
    status="$status; SERVER DIED during the run (exit $src; last case started: ${last:-none})"
  fi
  SERVER_PID=
  grep -q 'Connection to .* failed' "$dir/wstest.log" &&
    status="$status; wstest: $(grep -m1 'Connection to .* failed' "$dir/wstest.log")"

  say "$name: wall time ${wall}s, $status"
  local index=$dir/reports/servers/index.json
  if ((rc == 124)); then
    # On SIGTERM wstest still writes its reports, with the interrupted case
    # marked FAILED: not an oracle.
    [[ -s $index ]] && summary "$index" | sed "s/^/record-zoo-oracles: $name: partial, NOT recorded: /"
    return 1
  fi
  if [[ ! -s $index ]]; then
    say "$name: no index.json; nothing recorded (see $dir/wstest.log with KEEP_WORK=1)"
    tail -3 "$dir/wstest.log" | sed 's/^/  wstest: /'
    return 1
  fi
  mkdir -p "$DEST"
  cp "$index" "$DEST/$name-server.json"
  copy_cases "$dir/reports/servers" "$index" "$DEST/$name-server-cases" | sed "s/^/record-zoo-oracles: $name: /"
  summary "$index" | sed "s/^/record-zoo-oracles: /"
  [[ $status == ok ]]
}

fail=0
for n in "${NAMES[@]}"; do record "$n" || fail=1; done
left=$(docker ps -aq --filter "name=wsspec-oracle-")
[[ -z $left ]] || say "warning: containers left: $left"
exit "$fail"
