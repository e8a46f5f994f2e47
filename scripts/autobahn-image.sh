#!/usr/bin/env bash
# Builds the real Autobahn|Testsuite image (wstest from autobahntestsuite
# 25.10.1 on Python 2.7) with no container registry: a Debian bullseye root
# filesystem made by debootstrap from the mirror in this host's apt
# configuration, the packages pinned in autobahn-requirements.txt from PyPI,
# then `docker import`. Run as root; needs docker, python3 with pip, and
# installs debootstrap with apt-get if it is missing.
#   scripts/autobahn-image.sh [TAG]
# TAG defaults to $AUTOBAHN_IMAGE, else crossbario/autobahn-testsuite:25.10.1-local.
# Does nothing if TAG already exists; refuses crossbario/autobahn-testsuite:latest.
# DEBIAN_MIRROR overrides the mirror read from apt's configuration.
set -euo pipefail
START=$SECONDS
HERE=$(cd "$(dirname "$0")" && pwd)
REQS=$HERE/autobahn-requirements.txt
TAG=${1:-${AUTOBAHN_IMAGE:-crossbario/autobahn-testsuite:25.10.1-local}}
SUITE=bullseye                  # the last Debian release with python2.7
PIP_PIN=pip==20.3.4             # the last pip for Python 2.7
BUILD_PINS=(setuptools==44.0.0 wheel==0.37.1)
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

say() { echo "autobahn-image: $*"; }
die() { echo "autobahn-image: error: $*" >&2; exit 1; }
trap 'echo "autobahn-image: error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

# --- checks ---------------------------------------------------------------
[ -r "$REQS" ] || die "missing $REQS"
command -v docker >/dev/null || die "docker not found"
docker info >/dev/null 2>&1 || die "docker engine not reachable"
if docker image inspect "$TAG" >/dev/null 2>&1; then
  say "$TAG already exists, nothing to do"
  exit 0
fi
# Never write over the real image's tag.
norm=${TAG#docker.io/}; norm=${norm#index.docker.io/}
case ${norm##*/} in *:*) ;; *) norm=$norm:latest ;; esac
case $norm in *@*) die "TAG must be name:tag, not a digest: $TAG" ;; esac
[ "$norm" != crossbario/autobahn-testsuite:latest ] ||
  die "refusing to tag $TAG: that is the real image's tag; pick another, e.g. crossbario/autobahn-testsuite:25.10.1-local"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
command -v python3 >/dev/null || die "python3 not found (its pip fetches pip for Python 2.7)"
python3 -m pip --version >/dev/null 2>&1 || die "pip for python3 not found"

# --- work folder, removed whatever happens ---------------------------------
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/autobahn-image.XXXXXX")
LOG=$WORK/step.log
cleanup() {
  # Nothing is mounted inside, but make sure before deleting.
  local m
  for m in $(awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step DESCRIPTION CMD...: run CMD with its output in $LOG; on failure, one
# error line plus the log's tail.
step() {
  local what=$1; shift
  say "$what"
  if ! "$@" >"$LOG" 2>&1; then
    echo "autobahn-image: error: $what failed; last lines:" >&2
    tail -n 25 "$LOG" | sed 's/^/  | /' >&2
    exit 1
  fi
}

# Run a command in a root filesystem with a clean environment. The host's
# pip index, proxy and certificate settings are passed on, nothing else.
in_root() {
  local root=$1; shift
  local env=(PATH=$PATH_IN HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_PYTHON_VERSION_WARNING=1
    PIP_NO_WARN_SCRIPT_LOCATION=1 PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-180}
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
  local v
  for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST \
           http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -z "${!v:-}" ] || env+=("$v=${!v}")
  done
  chroot "$root" /usr/bin/env -i "${env[@]}" "$@"
}

# --- Debian mirror from apt's configuration ---------------------------------
apt_uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] && sed -E -n 's/\[[^]]*\]//; s/^[[:space:]]*deb[[:space:]]+([^[:space:]]+).*/\1/p' "$f"
  done
  return 0
}
MIRROR=${DEBIAN_MIRROR:-$(apt_uris | grep -E '/debian/?$' | head -n 1 || true)}
[ -n "$MIRROR" ] || MIRROR=$(apt_uris | grep -v -E 'security|updates|backports' | head -n 1 || true)
[ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list{,.d}; set DEBIAN_MIRROR"

if ! command -v debootstrap >/dev/null; then
  step "installing debootstrap" sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends debootstrap debian-archive-keyring'
fi
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "missing $KEYRING (apt-get install debian-archive-keyring)"

HOST_CA=""
for c in "${PIP_CERT:-}" "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
  if [ -n "$c" ] && [ -f "$c" ]; then HOST_CA=$c; break; fi
done
[ -n "$HOST_CA" ] || die "no CA certificate bundle on this host"

# --- 1. base: minimal bullseye with python2.7 -------------------------------
ROOT=$WORK/rootfs
step "debootstrap $SUITE from $MIRROR" \
  debootstrap --variant=minbase --include=python2.7 --keyring="$KEYRING" \
  "$SUITE" "$ROOT" "$MIRROR"

# --- 2. build stage: a copy of the base with a compiler builds the wheels ---
BUILD=$WORK/build
step "copying the base for the build stage" cp -a "$ROOT" "$BUILD"
cp /etc/resolv.conf "$BUILD/etc/resolv.conf"
mkdir -p "$BUILD/etc/ssl/certs" "$BUILD/tmp/pip" "$BUILD/tmp/wheels"
cp "$HOST_CA" "$BUILD/etc/ssl/certs/ca-certificates.crt"
cp "$REQS" "$BUILD/tmp/requirements.txt"
step "installing gcc and python2.7-dev in the build stage" \
  in_root "$BUILD" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends gcc libc6-dev python2.7-dev'
step "downloading $PIP_PIN" \
  python3 -m pip download -q --no-deps --no-cache-dir --dest "$BUILD/tmp/pip" "$PIP_PIN"
PIP_WHL=$(cd "$BUILD/tmp/pip" && ls pip-*.whl)
pip_bootstrap() { # ROOT: install pip itself from its wheel
  in_root "$1" python2.7 "/tmp/pip/$PIP_WHL/pip" install --no-index "/tmp/pip/$PIP_WHL"
}
step "installing $PIP_PIN in the build stage" pip_bootstrap "$BUILD"
step "installing ${BUILD_PINS[*]} in the build stage" \
  in_root "$BUILD" python2.7 -m pip install --no-deps "${BUILD_PINS[@]}"
step "building wheels for $(grep -c '==' "$REQS") pinned packages" \
  in_root "$BUILD" python2.7 -m pip wheel --no-deps --no-build-isolation \
  --wheel-dir /tmp/wheels -r /tmp/requirements.txt
n=$(ls "$BUILD/tmp/wheels" | grep -c '\.whl$' || true)
[ "$n" = "$(grep -c '==' "$REQS")" ] || die "expected $(grep -c '==' "$REQS") wheels, got $n"

# --- 3. runtime: the clean base gets the wheels, no compiler ----------------
mkdir -p "$ROOT/tmp/pip" "$ROOT/tmp/wheels"
cp "$BUILD/tmp/pip/$PIP_WHL" "$ROOT/tmp/pip/"
cp "$BUILD"/tmp/wheels/*.whl "$ROOT/tmp/wheels/"
rm -rf "$BUILD"
install_all() {
  in_root "$ROOT" sh -c "python2.7 /tmp/pip/$PIP_WHL/pip install --no-index --no-deps /tmp/pip/$PIP_WHL /tmp/wheels/*.whl" &&
    in_root "$ROOT" python2.7 -m pip check
}
step "installing the wheels in the image" install_all
# The accelerators must load, and wstest must be the pinned version.
step "checking wstest" in_root "$ROOT" python2.7 -c '
import wsaccel.utf8validator, wsaccel.xormask, ujson, automat, twisted.internet.endpoints
from autobahn.websocket import utf8validator
assert utf8validator.Utf8Validator.__module__.startswith("wsaccel"), utf8validator.Utf8Validator
import autobahntestsuite, twisted
assert autobahntestsuite.__version__ == "25.10.1", autobahntestsuite.__version__
assert twisted.__version__ == "19.10.0", twisted.__version__'
in_root "$ROOT" wstest --autobahnversion >"$LOG" 2>&1 || die "wstest does not start: $(tail -n 1 "$LOG")"

# Slim down: package caches and lists, docs, manuals, translations, logs.
rm -rf "$ROOT"/tmp/* "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
  "$ROOT"/usr/share/locale/* "$ROOT"/var/log/* "$ROOT"/root/.cache
: >"$ROOT/etc/resolv.conf"      # docker provides its own
echo autobahn-testsuite >"$ROOT/etc/hostname"
mkdir -p "$ROOT/config" "$ROOT/reports"

# --- 4. the image, laid out like the real one -------------------------------
import_root() {
  tar --numeric-owner -C "$ROOT" -c . |
    docker import \
      --message "autobahntestsuite 25.10.1 on Debian $SUITE, built by scripts/autobahn-image.sh" \
      --change "ENV PATH=$PATH_IN" \
      --change 'ENV LANG=C.UTF-8' \
      --change 'ENV PYTHONUNBUFFERED=1' \
      --change 'WORKDIR /' \
      --change 'VOLUME ["/config", "/reports"]' \
      --change 'EXPOSE 8080 9001' \
      --change 'LABEL org.opencontainers.image.version=25.10.1' \
      --change 'CMD ["wstest", "--mode", "fuzzingserver", "--spec", "/config/fuzzingserver.json"]' \
      - "$TAG"
}
step "importing $TAG" import_root
rm -rf "$ROOT"
SIZE=$(docker image inspect --format '{{.Size}}' "$TAG")
say "built $TAG ($((SIZE / 1000000)) MB) in $((SECONDS - START)) s"
