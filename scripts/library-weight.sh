#!/usr/bin/env bash
# The crates a library user compiles: a scratch crate that depends on this
# checkout with `default-features = false` (as a `cargo test` user would),
# counted by cargo tree (normal and build dependencies, each crate once,
# without the scratch crate itself).
#   scripts/library-weight.sh [FEATURES]   e.g. scripts/library-weight.sh cli
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/src"
echo 'fn main() {}' > "$scratch/src/main.rs"
features=${1:-}
cat > "$scratch/Cargo.toml" <<TOML
[package]
name = "library-user"
version = "0.0.0"
edition = "2024"
[dependencies]
wsspec = { path = "$repo", default-features = false, features = [${features:+\"$features\"}] }
[workspace]
TOML
cargo tree --manifest-path "$scratch/Cargo.toml" -e normal,build --prefix none 2>/dev/null \
  | sed 's/ (\*)//; s/ (proc-macro)//' | grep -v '^\[' | grep -v '^library-user ' | sort -u > "$scratch/crates"
echo "$(wc -l < "$scratch/crates") crates for wsspec${features:+ with $features} (wsspec included)"
