#!/usr/bin/env bash
# Fuzzes wsspec's parsers with cargo-fuzz (libFuzzer):
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# SECONDS per target (default 600), every target by default:
#   frame_decoder session_receive handshake deflate case_file report_reader
# cargo-fuzz needs nightly features; the stable toolchain gives them with
# RUSTC_BOOTSTRAP=1 (install it with `cargo install cargo-fuzz`). Seeds are
# made from the repository (case files, a report, sample handshakes); a
# crash leaves its input in fuzz/artifacts/TARGET/: once fixed, copy it into
# fuzz/regressions/TARGET/, where tests/fuzz_regressions.rs runs it in the
# ordinary suite (and the next fuzzing starts from it). Exit 1 when a
# target failed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame_decoder session_receive handshake deflate case_file report_reader)
export RUSTC_BOOTSTRAP=1

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds"/{frame_decoder,session_receive,handshake,deflate,case_file,report_reader}
printf '\x05\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58' >"$seeds/frame_decoder/masked_hello"
printf '\x07\x01\x05Hello\x80\x00\x89\x00\x88\x02\x03\xe8' >"$seeds/frame_decoder/fragments"
printf '\x00\x00\x07\x81\x05Hello\x88\x02\x03\xe8' >"$seeds/session_receive/client_text_close"
printf '\x06\x02\x07\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00\x88\x00' >"$seeds/session_receive/compressed"
printf 'GET /runCase?case=1&agent=x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n' >"$seeds/handshake/request"
printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n\r\n' >"$seeds/handshake/response"
printf '\x05permessage-deflate; client_max_window_bits=9; server_no_context_takeover\x00\xf2\x48\xcd\xc9\xc9\x07\x00\xff\x02\x00' >"$seeds/deflate/params_and_data"
cp ../cases/*.json "$seeds/case_file/" 2>/dev/null || true
for ref in ../tests/fixtures/autobahn-reports/*/servers/; do
  [ -f "$ref/index.json" ] || continue
  name=$(basename "$(dirname "$ref")")
  first=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); a=next(iter(d.values())); print(next(iter(a.values()))["reportfile"])' "$ref/index.json" 2>/dev/null || true)
  { head -c 200000 "$ref/index.json"; printf '\0'; [ -n "$first" ] && [ -f "$ref/$first" ] && cat "$ref/$first"; } >"$seeds/report_reader/$name" || true
done

failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t: $secs s"
  if ! cargo fuzz run -O "$t" "corpus/$t" "$seeds/$t" "regressions/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 -print_final_stats=1 2>&1 \
      | grep -E '^(stat::|==[0-9]+==|SUMMARY|Done|#[0-9]+.*DONE)|panicked|artifact' ; then
    :
  fi
  if ls "artifacts/$t"/crash-* "artifacts/$t"/oom-* "artifacts/$t"/timeout-* >/dev/null 2>&1; then
    echo "== $t: FOUND something: $(ls artifacts/$t)"
    failed=1
  fi
done
exit $failed
