#!/usr/bin/env bash
# Installs everything the tests need, then runs them: the README's test
# command on a fresh machine, and what .ci/run calls.
#   scripts/test.sh [ARGS for cargo test...]
# Debian packages (apt-get, as root), the Python peers (pip), the third-party
# servers of the zoo (built from Debian's packages) and the Docker images
# (built locally: no registry is needed). Each step does nothing when what it
# installs is already there, so a second run goes straight to the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# Debian packages, pinned where they are peers whose verdicts are recorded.
APT_PACKAGES=(
  "node-ws=8.11.0+~cs13.7.3-1"   # Node's ws: a server and client under test
  "chromium"                      # headless: checks the HTML report renders
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  name=${p%%=*}
  have=$(dpkg-query -W -f '${Status} ${Version}' "$name" 2>/dev/null || true)
  if [ "$p" = "$name" ]; then want="install ok installed "; else want="install ok installed ${p#*=}"; fi
  case "$have" in "$want"*) ;; *) missing+=("$p") ;; esac
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== pip install -r tests/peers/requirements.txt"
python3 -m pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt

echo "== the zoo: third-party servers from Debian and PyPI (tests/peers/zoo)"
bash tests/peers/zoo/build.sh target/zoo

echo "== Autobahn's compression test files (from its PyPI package, for --testdata)"
# The sdist itself stays too: tests serve it on loopback to `--testdata
# autobahn` (tests/testdata_fetch.rs).
TESTDATA=target/autobahn-testdata
SDIST=target/autobahn-sdist/autobahntestsuite-25.10.1.tar.gz
if [ ! -f "$SDIST" ]; then
  mkdir -p "$(dirname "$SDIST")"
  python3 -m pip download --quiet --no-deps --no-binary :all: autobahntestsuite==25.10.1 -d "$(dirname "$SDIST")"
fi
echo "b083d6e15330fc16f3e5f0975cce2b15f21bfa0c6db09547316b1852c6dbd6df  $SDIST" | sha256sum -c --quiet
if [ ! -f "$TESTDATA/data1.json" ]; then
  tmp=$(mktemp -d)
  tar -xzf "$SDIST" -C "$tmp"
  mkdir -p "$TESTDATA"
  cp "$tmp"/autobahntestsuite-25.10.1/autobahntestsuite/testdata/* "$TESTDATA"/
  rm -rf "$tmp"
fi

echo "== the real Autobahn|Testsuite image (built locally: scripts/autobahn-image.sh)"
scripts/autobahn-image.sh

if [ -n "${SKIP_TESTS:-}" ]; then
  exit 0
fi
# Every test that needs a peer, Docker or a browser runs: a missing one
# fails the test instead of skipping it (tests/common/needs.rs).
export WSSPEC_REQUIRE_PEERS=1
echo "== cargo test --release --workspace --no-fail-fast $*"
status=0
cargo test --release --workspace --no-fail-fast "$@" || status=$?
# Both crates must package and build as crates.io would take them (the
# README tells users to depend on the repository until they are published).
# A run narrowed by arguments leaves it out.
if [ $# -eq 0 ]; then
  echo "== cargo publish --workspace --dry-run"
  cargo publish --workspace --dry-run --allow-dirty --quiet || status=$?
fi
exit $status
