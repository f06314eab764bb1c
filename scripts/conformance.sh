#!/usr/bin/env bash
# The Istio conformance suite: the oracle's own Go tests, the scenario corpus, and the proof
# of meshfed's output (the bundled example and seeded generated federations) against Istio.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
proof="$root/.tmp/proof"

t0=$(date +%s)
echo "conformance: go test ./... (downloads and builds istio.io/istio on a fresh machine)"
(cd conformance && go test ./...)
t1=$(date +%s)

echo "conformance: src/verify/istio-crd-schemas.ts is what the pinned Istio's CRDs give (npm run gen:crd-schemas)"
node scripts/write-istio-crd-schemas.mjs --check

echo "conformance: building the oracle and yamljson (Kubernetes' YAML reading)"
bash conformance/run-oracle.sh --help >/dev/null 2>&1 || true
(cd conformance && go build -o bin/yamljson ./cmd/yamljson)
t2=$(date +%s)

echo "conformance: meshfed verify equals the oracle on the corpus and the example; its YAML reader equals Kubernetes'; random models are refused or proven (MESHFED_ORACLE_PROPERTY_RUNS, default 25)"
MESHFED_ORACLE="$root/conformance/bin/oracle" MESHFED_YAMLJSON="$root/conformance/bin/yamljson" npx vitest run --config vitest.oracle.config.ts

echo "conformance: corpus"
bash conformance/run-oracle.sh --check conformance/scenarios
echo "conformance: declared scenarios (Istio's answer on configuration verify reports as not modelled)"
bash conformance/run-oracle.sh --check conformance/declared

echo "conformance: proving meshfed's output (example + generated federations)"
rm -rf "$proof" && mkdir -p "$proof/federations"
node bin/meshfed.js scenario examples/nrc/federation.yaml --out "$proof/scenarios/nrc" 2>/dev/null
# Seeded sizes: small and wide, hostname and IP gateways, several consumers per export.
sizes=("2 3 1" "3 6 2" "4 8 3" "5 10 2" "6 12 4")
n=0
for seed in 1 2 3 4; do
  for size in "${sizes[@]}"; do
    read -r meshes exports consumers <<<"$size"
    name="gen-m${meshes}-e${exports}-c${consumers}-s${seed}"
    node bench/generate-federation.js --meshes "$meshes" --exports "$exports" --consumers "$consumers" --seed "$seed" --name "g$seed" \
      >"$proof/federations/$name.yaml"
    node bin/meshfed.js scenario "$proof/federations/$name.yaml" --out "$proof/scenarios/$name" 2>/dev/null
    n=$((n + 1))
  done
done
# Shaped federations (bench/generate-federation.js --shapes): names built to collide, 63-character
# names, shared service accounts, meshes exporting to each other, consumers in several meshes and
# consumers that are exported workloads, every port protocol, custom aliases.
for seed in $(seq 1 40); do
  meshes=$((2 + seed % 3)) exports=$((4 + seed % 9)) consumers=$((1 + seed % 4))
  name="shaped-m${meshes}-e${exports}-c${consumers}-s${seed}"
  node bench/generate-federation.js --shapes --meshes "$meshes" --exports "$exports" --consumers "$consumers" --seed "$seed" --name "s$seed" \
    >"$proof/federations/$name.yaml"
  node bin/meshfed.js scenario "$proof/federations/$name.yaml" --out "$proof/scenarios/$name" 2>/dev/null
  n=$((n + 1))
done
# Mixed Istio releases (meshes[].istioVersion, cycled across meshes): v1beta1 output read by the
# oracle, and on exporters before 1.18 (1.16.4, 1.17.2) PILOT_SKIP_VALIDATE_TRUST_DOMAIN with the
# guard as the only barrier, which the oracle sets per mesh.
node bin/meshfed.js scenario examples/istio-releases/federation.yaml --out "$proof/scenarios/istio-releases" 2>/dev/null
n=$((n + 1))
releases=("1.9.1,default,1.18" "1.16.3,1.22,1.8" "default,1.17,1.21.6,1.16.4" "1.12,1.11.8,default")
for seed in 1 2 3 4 5 6 7 8; do
  versions="${releases[$((seed % ${#releases[@]}))]}"
  meshes=$((3 + seed % 2)) exports=$((4 + seed % 5)) consumers=$((1 + seed % 3))
  if ((seed % 2 == 0)); then shape=(--shapes) kind=mixed-shaped; else shape=() kind=mixed; fi
  name="$kind-m${meshes}-e${exports}-c${consumers}-s${seed}"
  node bench/generate-federation.js "${shape[@]}" --meshes "$meshes" --exports "$exports" --consumers "$consumers" --seed "$seed" --name "r$seed" \
    --istio-versions "$versions" >"$proof/federations/$name.yaml"
  node bin/meshfed.js scenario "$proof/federations/$name.yaml" --out "$proof/scenarios/$name" 2>/dev/null
  n=$((n + 1))
done
# Network layer and egress (bench/generate-federation.js --network): egressCIDRs (NetworkPolicies,
# source ranges), internal gateways, imports through the consumers' own egress gateways (the oracle
# follows the extra hop), DNS capture scoped to namespaces and mesh-wide.
for seed in 1 2 3 4 5 6; do
  meshes=$((2 + seed % 4)) exports=$((3 + 2 * seed)) consumers=$((1 + seed % 3))
  name="network-m${meshes}-e${exports}-c${consumers}-s${seed}"
  node bench/generate-federation.js --network --meshes "$meshes" --exports "$exports" --consumers "$consumers" --seed "$seed" --name "n$seed" \
    >"$proof/federations/$name.yaml"
  node bin/meshfed.js scenario "$proof/federations/$name.yaml" --out "$proof/scenarios/$name" 2>/dev/null
  n=$((n + 1))
done
echo "conformance: $((n + 1)) federations rendered into scenarios"
bash conformance/run-oracle.sh --check "$proof/scenarios"
t3=$(date +%s)

echo "conformance: differential — meshfed verify against the oracle on the corpus and 1000 mutated scenarios"
npm run build:tools --silent
node tools/differential.mjs --count 1000 --seed 1 --out "$root/.tmp/differential"
t4=$(date +%s)
echo "conformance: go test $((t1 - t0))s, oracle build $((t2 - t1))s, corpus and proof $((t3 - t2))s, differential $((t4 - t3))s"
