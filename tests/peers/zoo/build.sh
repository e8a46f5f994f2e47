#!/usr/bin/env bash
# Builds the zoo of third-party WebSocket echo servers (permessage-deflate on)
# from Debian packages (and PyPI for the two Python ones).
#
#   bash tests/peers/zoo/build.sh [OUT]      # OUT defaults to target/zoo
#
# Installs the pinned Debian packages that are missing (as root, without
# prompts), then builds each server into OUT, skipping those already built and
# newer than their sources. Every server is then started as `OUT/NAME PORT`.
# ZOO_SERVERS limits the set, e.g. ZOO_SERVERS="gorilla beast" (default: all).
# PYTHON picks the interpreter for the Python servers (default: python3).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${1:-$ROOT/target/zoo}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SERVERS=${ZOO_SERVERS:-gorilla websocketpp lws beast aiohttp tornado jetty}
PYTHON=$(command -v "${PYTHON:-python3}")
export DEBIAN_FRONTEND=noninteractive

# Exact Debian bookworm versions (apt-cache policy, 2026-11). The ~deb12uN
# ones come from security/point updates and may be superseded in the archive.
declare -A APT=(
  [gorilla]="golang-go=2:1.19~1 golang-github-gorilla-websocket-dev=1.5.0-2"
  [websocketpp]="g++=4:12.2.0-3 zlib1g-dev=1:1.2.13.dfsg-1 libwebsocketpp-dev=0.8.2-4 libboost-dev=1.74.0.3"
  [lws]="gcc=4:12.2.0-3 pkg-config=1.8.1-1 libwebsockets-dev=4.1.6-3"
  [beast]="g++=4:12.2.0-3 libboost-dev=1.74.0.3"
  [aiohttp]="python3-pip=23.0.1+dfsg-1"
  [tornado]="python3-pip=23.0.1+dfsg-1"
  [jetty]="libjetty9-java=9.4.57-1.1~deb12u1 libjetty9-extra-java=9.4.57-1.1~deb12u1"
)
JDK_PKG="openjdk-17-jdk-headless=17.0.21.1+2-1~deb12u1"
PIP_PKGS="aiohttp==3.14.5 tornado==6.6.1"

want() { [[ " $SERVERS " == *" $1 "* ]]; }

# --- system packages ---------------------------------------------------------
missing=()
for s in $SERVERS; do
  for spec in ${APT[$s]:-}; do
    pkg=${spec%%=*}
    case $pkg in python3-pip) "$PYTHON" -m pip --version >/dev/null 2>&1 && continue ;; esac
    dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$spec")
  done
done
if want jetty && ! command -v javac >/dev/null; then missing+=("$JDK_PKG"); fi
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "zoo: apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- helpers -----------------------------------------------------------------
# fresh TARGET SRC...: TARGET exists and is newer than every SRC
fresh() {
  local t=$1; shift
  [[ -e $t ]] || return 1
  for s in "$@"; do [[ $t -nt $s ]] || return 1; done
}
built() { echo "zoo: built $1 -> $OUT/$1 ($(($(date +%s%N) / 1000000 - $2)) ms)"; }
skip() { echo "zoo: $1 up to date ($OUT/$1)"; }
now() { echo $(($(date +%s%N) / 1000000)); }

# --- servers -----------------------------------------------------------------
if want gorilla; then
  src=$HERE/gorilla/main.go
  if fresh "$OUT/gorilla-echo" "$src" "$0"; then skip gorilla-echo; else
    t=$(now)
    (cd "$HERE/gorilla" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= CGO_ENABLED=0 \
      GOCACHE="$OUT/.gocache" go build -o "$OUT/gorilla-echo" .)
    built gorilla-echo "$t"
  fi
fi

if want websocketpp; then
  src=$HERE/websocketpp/echo_server.cpp
  if fresh "$OUT/websocketpp-echo" "$src" "$0"; then skip websocketpp-echo; else
    t=$(now)
    g++ -std=c++17 -O2 -o "$OUT/websocketpp-echo" "$src" -lz -lpthread
    built websocketpp-echo "$t"
  fi
fi

if want lws; then
  src=$HERE/libwebsockets/echo_server.c
  if fresh "$OUT/lws-echo" "$src" "$0"; then skip lws-echo; else
    t=$(now)
    # shellcheck disable=SC2046
    gcc -O2 -Wall -o "$OUT/lws-echo" "$src" $(pkg-config --cflags --libs libwebsockets)
    built lws-echo "$t"
  fi
fi

if want beast; then
  src=$HERE/beast/sync_echo_server.cpp
  if fresh "$OUT/beast-sync-echo" "$src" "$0"; then skip beast-sync-echo; else
    t=$(now)
    g++ -std=c++17 -O2 -o "$OUT/beast-sync-echo" "$src" -lpthread
    built beast-sync-echo "$t"
  fi
fi

# Python servers: pinned wheels in OUT/python (pip --target: no system site
# changes, no PEP 668 trouble), and a launcher script per server.
py_launcher() { # NAME SOURCE
  local name=$1 src=$2
  if fresh "$OUT/$name" "$src" "$0" && [[ -e $OUT/python/.pinned ]]; then skip "$name"; return; fi
  local t
  t=$(now)
  if [[ "$(cat "$OUT/python/.pinned" 2>/dev/null)" != "$PYTHON $PIP_PKGS" ]]; then
    rm -rf "$OUT/python"
    # shellcheck disable=SC2086
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
      --target "$OUT/python" $PIP_PKGS
    echo "$PYTHON $PIP_PKGS" >"$OUT/python/.pinned"
  fi
  cp "$src" "$OUT/$name.py"
  printf '#!/bin/sh\nPYTHONPATH="%s" exec "%s" "%s" "$@"\n' \
    "$OUT/python" "$PYTHON" "$OUT/$name.py" >"$OUT/$name"
  chmod +x "$OUT/$name"
  built "$name" "$t"
}
want aiohttp && py_launcher aiohttp-echo "$HERE/python/aiohttp_echo_server.py"
want tornado && py_launcher tornado-echo "$HERE/python/tornado_echo_server.py"

if want jetty; then
  src=$HERE/jetty/JettyEchoServer.java
  if fresh "$OUT/jetty-echo" "$src" "$0"; then skip jetty-echo; else
    t=$(now)
    J=/usr/share/java
    cp=$OUT/jetty-classes
    for jar in server servlet http io util security websocket-api websocket-common \
      websocket-servlet websocket-server websocket-client; do
      cp+=":$J/jetty9-$jar.jar"
    done
    cp+=":$J/servlet-api.jar"
    rm -rf "$OUT/jetty-classes"
    javac -d "$OUT/jetty-classes" -cp "$cp" "$src"
    printf '#!/bin/sh\nexec java -cp "%s" JettyEchoServer "$@"\n' "$cp" >"$OUT/jetty-echo"
    chmod +x "$OUT/jetty-echo"
    built jetty-echo "$t"
  fi
fi
