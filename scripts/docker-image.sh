#!/usr/bin/env bash
# Builds the wsspec image from scratch: the release binary (also as
# `wstest`) plus the shared libraries ldd says it needs. No base image.
#   scripts/docker-image.sh [TAG]      (default wsspec:local)
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-wsspec:local}
BIN=${WSSPEC_BIN:-target/release/wsspec}
[ -n "${WSSPEC_BIN:-}" ] || cargo build --release --quiet
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/rootfs/usr/local/bin" "$STAGE/rootfs/tmp"
cp "$BIN" "$STAGE/rootfs/usr/local/bin/wsspec"
cp "$BIN" "$STAGE/rootfs/usr/local/bin/wstest"
# Every library the binary loads, and the loader itself, at the same paths.
for lib in $(ldd "$BIN" | grep -o '/[^ ]*'); do
  mkdir -p "$STAGE/rootfs$(dirname "$lib")"
  cp -L "$lib" "$STAGE/rootfs$lib"
done
cp Dockerfile "$STAGE/"
docker build --quiet -t "$TAG" "$STAGE" >/dev/null
echo "built $TAG"
