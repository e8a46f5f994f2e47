#!/usr/bin/env bash
# The tests too slow for CI (minutes each: all 216 compression cases against
# the Python websockets server), after the usual installs.
#   scripts/slow-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_TESTS=1 scripts/test.sh
cargo test --release -- --ignored
