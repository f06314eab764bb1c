#!/usr/bin/env bash
# Prints the path of a Python with grpcio (gRPC's wheels embed BoringSSL, the TLS library of
# Envoy), creating it once under $HOME/.cache/meshfed/ from PyPI. test/ca/boringssl.test.ts uses
# it to run mutual TLS through BoringSSL; .ci/run calls it up front.
set -euo pipefail
version=1.85.4
venv="${MESHFED_CACHE:-$HOME/.cache/meshfed}/grpcio-$version"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import grpc" >/dev/null 2>&1; then
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp" >&2
  "$venv.tmp/bin/pip" install --quiet --disable-pip-version-check "grpcio==$version" >&2
  rm -rf "$venv"
  mv "$venv.tmp" "$venv"
fi
echo "$venv/bin/python"
