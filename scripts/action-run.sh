#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml) after the build, as a script
# a test can run: wsspec with the given arguments writing its reports to
# one folder, the markdown report appended to the step summary, and the
# HTML page and JUnit XML beside the reports for the upload step.
#
#   WSSPEC=path/to/wsspec WSSPEC_ARGS="test-server ws://... --cases '1.*'" \
#   WSSPEC_REPORT_DIR=reports/wsspec GITHUB_STEP_SUMMARY=summary.md \
#   scripts/action-run.sh
#
# Exits with wsspec's own code: 0 all passed, 1 a case failed (or a
# baseline regressed), 2 bad input.
set -uo pipefail

wsspec=${WSSPEC:-wsspec}
dir=${WSSPEC_REPORT_DIR:-reports/wsspec}
args=${WSSPEC_ARGS:?WSSPEC_ARGS: the wsspec command line, as test-server URL --cases ...}

# The arguments as the user wrote them in the workflow, quotes included.
eval "set -- $args"
case "${1:-}" in
  test-server|test-clients|test-browser|report) ;;
  *) echo "wsspec action: args must start with test-server, test-clients, test-browser or report, not: ${1:-nothing}" >&2; exit 2 ;;
esac
mkdir -p "$dir"
if [ "$1" = report ]; then
  "$wsspec" "$@" --merge "$dir"
else
  "$wsspec" "$@" --out "$dir"
fi
status=$?
# No index: the run never started (bad input); nothing to render.
if [ ! -f "$dir/index.json" ]; then
  exit "$status"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$wsspec" report "$dir" --format markdown >> "$GITHUB_STEP_SUMMARY" || true
fi
"$wsspec" report "$dir" --format html --output "$dir/report.html" || true
"$wsspec" report "$dir" --format junit --output "$dir/junit.xml" || true
exit "$status"
