#!/usr/bin/env bash
# Build istioctl from the Istio module pinned by conformance/go.mod, into conformance/bin/istioctl
# (gitignored), for `node bench/verify.js`. No Istio code is copied or committed.
#
#   bench/build-istioctl.sh          build when missing or older than conformance/go.mod
#   bench/build-istioctl.sh --force  rebuild
#
# istioctl imports modules the oracle does not (spf13/viper, k8s.io/kubectl, k8s.io/cli-runtime,
# ...), so conformance/go.sum lacks their checksums and a plain `go build` there fails with
# "missing go.sum entry". Rather than edit the committed go.mod/go.sum, the build uses a
# copy of them (conformance/bin/istioctl-build.mod/.sum, gitignored) through -modfile, and
# lets `-mod=mod` add the missing requirements and checksums to the copy only. The Istio
# version is the one conformance/go.mod pins; the extra modules are at the versions Istio's
# own go.mod requires (minimal version selection). First build: several minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../conformance" && pwd)"
bin="$here/bin/istioctl"
mod="$here/bin/istioctl-build.mod"

if [[ "${1:-}" != "--force" && -x "$bin" && ! "$here/go.mod" -nt "$bin" ]]; then
  echo "build-istioctl: $bin is up to date" >&2
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-istioctl: no Go toolchain on PATH; cannot build istioctl" >&2
  exit 3
fi
mkdir -p "$here/bin"
cp "$here/go.mod" "$mod"
cp "$here/go.sum" "${mod%.mod}.sum"
cd "$here"
version="$(go list -m -f '{{.Version}}' istio.io/istio)"
release="$(cat "$(go list -m -f '{{.Dir}}' istio.io/istio)/VERSION" 2>/dev/null || echo unknown)"
echo "build-istioctl: building istioctl from istio.io/istio $version (first build takes minutes)" >&2
# `istioctl version` reports the release line and the pinned commit instead of "unknown".
pkg=istio.io/istio/pkg/version
go build -mod=mod -modfile="$mod" -trimpath \
  -ldflags "-X $pkg.buildVersion=$release-dev+${version##*-} -X $pkg.buildGitRevision=${version##*-} -X $pkg.buildStatus=Clean" \
  -o "$bin" istio.io/istio/istioctl/cmd/istioctl
echo "build-istioctl: wrote $bin ($("$bin" version --remote=false 2>/dev/null || echo "version unknown"))" >&2
