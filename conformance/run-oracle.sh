#!/usr/bin/env bash
# Build the Istio conformance oracle when missing or stale, then run it.
#   conformance/run-oracle.sh SCENARIO_DIR          verdict JSON on stdout
#   conformance/run-oracle.sh --check CORPUS_DIR... one line per scenario, exit 4 on any failure
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin/oracle"

stale=0
if [[ ! -x "$bin" ]]; then
  stale=1
elif [[ -n "$(find "$here" -path "$here/bin" -prune -o -path "$here/scenarios" -prune -o -path "$here/testdata" -prune \
      -o \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum \) -newer "$bin" -print -quit)" ]]; then
  stale=1
fi
if [[ $stale == 1 ]]; then
  echo "run-oracle: building $bin (first build of istio.io/istio's pilot packages takes minutes)" >&2
  (cd "$here" && go build -o "$bin" ./cmd/oracle)
fi

# Relative scenario paths are resolved from the caller's directory, so no cd here.
exec "$bin" "$@"
