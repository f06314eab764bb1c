import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { applyMutation, mutateScenario, mutationKinds, withoutExpectations, type MutationKind } from "../../tools/differential/mutate.js";
import { createPrng } from "../../tools/differential/prng.js";
import { parseScenarioFiles, type Node, type ScenarioDocs } from "../../tools/differential/scenario-files.js";
import { compareVerdicts, differsFromExpectations, hopFieldDifferences, type VerdictJson } from "../../tools/differential/compare-verdicts.js";
import { expectationsOf } from "../../tools/differential/scenario-files.js";
import { repoRoot } from "../helpers/fixtures.js";

// bench/ is plain JavaScript without declarations: import it untyped.
const generatorPath: string = join(repoRoot, "bench/generate-federation.js");
const { generateFederation } = (await import(generatorPath)) as { generateFederation(o: object): string };

function generatedScenario(seed: number): Map<string, string> {
  const parsed = parseFederation(generateFederation({ meshes: 3, exports: 5, consumers: 2, seed, name: `t${seed}` }));
  const compiled = compileFederation(parsed.federation!);
  return buildScenario(parsed.federation!, compiled.compiled!);
}

function corpusScenario(name: string): Map<string, string> {
  const dir = join(repoRoot, "conformance/scenarios", name);
  const files = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) files.set(e.name, readFileSync(join(dir, e.name), "utf8"));
    else for (const f of readdirSync(join(dir, e.name))) files.set(`${e.name}/${f}`, readFileSync(join(dir, e.name, f), "utf8"));
  }
  return files;
}

/** Every leaf of a scenario as `where → JSON value`, resources keyed by mesh/kind/namespace/name. */
function leaves(docs: ScenarioDocs): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v as Node);
      if (entries.length === 0) out.set(prefix, JSON.stringify(v));
      for (const [k, x] of entries) walk(`${prefix}.${k}`, x);
    } else out.set(prefix, JSON.stringify(v));
  };
  walk("scenario", docs.scenario);
  for (const f of docs.files)
    for (const d of f.docs) walk(`${f.mesh}:${String(d["kind"])}/${String(d["metadata"]?.["namespace"] ?? "default")}/${String(d["metadata"]?.["name"])}:`, d);
  return out;
}

function changedKeys(before: ScenarioDocs, after: ScenarioDocs): string[] {
  const a = leaves(before);
  const b = leaves(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** What each kind may change, and nothing else. */
const allowed: Record<MutationKind, RegExp> = {
  "drop-resource": /^[^:]+:[A-Za-z]+\/[^:]+:/,
  "serviceentry-host": /:ServiceEntry\/.*:\.spec\.hosts\.\d+$/,
  "gateway-host": /:Gateway\/.*:\.spec\.servers\.\d+\.hosts\.\d+$/,
  "destinationrule-host": /:DestinationRule\/.*:\.spec\.host$/,
  sni: /:DestinationRule\/.*\.tls\.sni$/,
  "serviceentry-port": /:ServiceEntry\/.*:\.spec\.ports\.\d+\.number$/,
  "endpoint-port": /:ServiceEntry\/.*:\.spec\.endpoints\.\d+\.ports(\.[^.]+)?$/,
  "destinationrule-port": /:DestinationRule\/.*\.portLevelSettings\.\d+\.port\.number$/,
  "gateway-port": /:Gateway\/.*:\.spec\.servers\.\d+\.port\.number$/,
  "service-port": /:Service\/.*:\.spec\.ports\.\d+\.(port|targetPort)$/,
  "authz-namespace-wildcard": /:AuthorizationPolicy\/.*:\.spec\.rules\.\d+/,
  "service-port-protocol": /(:Service\/.*:\.spec\.ports\.\d+\.(appProtocol|name)$|:Service\/[^/]+\/(a|zz)-differential-twin:)/,
  "trust-domain": /^scenario\.meshes\.\d+\.trustDomain$/,
  "trust-domain-aliases": /^scenario\.meshes\.\d+\.trustDomainAliases(\.\d+)?$/,
  "ca-certificates": /^scenario\.meshes\.\d+\.meshConfig/,
  "skip-validate-trust-domain": /^scenario\.meshes\.\d+\.skipValidateTrustDomain$/,
  alias: /(:ServiceEntry\/.*:\.spec\.hosts\.0|:DestinationRule\/.*:\.spec\.host|^scenario\.probes\.\d+\.to\.host)$/,
  "authz-action": /:AuthorizationPolicy\/.*:\.spec\.action$/,
  "authz-principals": /:AuthorizationPolicy\/.*\.source\.(principals|notPrincipals)(\.\d+)?$/,
  "authz-ports": /:AuthorizationPolicy\/.*:\.spec\.rules\.\d+\.to/,
  "gateway-authz-policy": /:AuthorizationPolicy\/[^/]+\/differential-gateway-policy:/,
  "peer-authentication": /:PeerAuthentication\//,
  "destinationrule-tls-mode": /:DestinationRule\/.*\.tls(\.[A-Za-z]+(\.\d+)?)?$/,
  "destinationrule-sans": /:DestinationRule\/.*\.tls\.subjectAltNames(\.\d+)?$/,
  "destinationrule-port-level": /:DestinationRule\/.*\.trafficPolicy\.(tls|portLevelSettings)(\.|$)/,
  "gateway-tls-mode": /:Gateway\/.*:\.spec\.servers\.\d+\.tls\.mode$/,
  "root-ca": /^scenario\.meshes\.\d+\.rootCA$/,
  "export-to": /:(ServiceEntry|DestinationRule)\/.*:\.spec\.exportTo(\.\d+)?$/,
  "authz-dry-run": /:AuthorizationPolicy\/.*:\.metadata\.annotations/,
  "authz-source-address":
    /:AuthorizationPolicy\/.*:\.spec\.rules\.\d+\.(from\.\d+\.source\.(ipBlocks|notIpBlocks|remoteIpBlocks|notRemoteIpBlocks)|when)(\.|$)/,
  "authz-root-namespace": /:AuthorizationPolicy\//,
  "authz-custom-unknown-provider": /(:AuthorizationPolicy\/[^/]+\/differential-custom-policy:|^scenario\.meshes\.\d+\.meshConfig\.extensionProviders)/,
  "authz-target-refs": /:AuthorizationPolicy\/.*:\.spec\.(selector|targetRefs)/,
  "sidecar-egress": /:Sidecar\/[^/]+\/differential-sidecar:/,
  "envoy-filter": /:EnvoyFilter\/[^/]+\/differential-envoyfilter:/,
  "wasm-plugin": /:WasmPlugin\/[^/]+\/differential-wasm:/,
  "gateway-api-route": /:HTTPRoute\/[^/]+\/differential-route:/,
  "sidecar-listeners": /:Sidecar\/[^/]+\/differential-sidecar-(ingress|port):/,
  "gateway-passthrough-route": /:(Gateway\/[^/]+\/differential-passthrough|VirtualService\/[^/]+\/differential-tls-route):/,
  "gateway-terminating-route": /:(Gateway\/[^/]+\/differential-terminating|VirtualService\/[^/]+\/differential-tcp-route):/,
  "destinationrule-selector": /:DestinationRule\/[^/]+\/differential-selector-rule:/,
  "destinationrule-duplicate": /:DestinationRule\/[^/]+\/(differential-duplicate-rule:|[^:]+:\.metadata\.creationTimestamp$)/,
  "workload-entry": /:WorkloadEntry\/[^/]+\/differential-vm:/,
  "serviceentry-same-host": /:ServiceEntry\/[^/]+\/differential-same-host:/,
  "serviceentry-addresses": /:ServiceEntry\/.*:\.spec\.addresses(\.\d+)?$/,
  "serviceentry-location": /:ServiceEntry\/.*:\.spec\.location$/,
  "serviceentry-endpoint-locality": /:ServiceEntry\/.*:\.spec\.endpoints\./,
  "outbound-traffic-policy": /(:Sidecar\/[^/]+\/differential-outbound-policy:|^scenario\.meshes\.\d+\.meshConfig|^scenario\.probes\.\d+)/,
  "client-local-service": /(:(Service|Pod)\/[^/]+\/differential-(alias|headless)(-0)?:|^scenario\.probes\.\d+)/,
  "client-tcp-route": /:VirtualService\/[^/]+\/differential-client-route:/,
  "invalid-value": /:(Gateway|ServiceEntry|DestinationRule|PeerAuthentication|AuthorizationPolicy)\/[^:]+:\.spec\./,
  "gateway-service-port":
    /(^scenario\.meshes\.\d+\.eastWestGateway\.port$|:Service\/.*:\.(spec\.ports\.\d+\.(port|targetPort)|metadata\.labels.*)$|:ServiceEntry\/.*\.endpoints\.\d+\.ports\.|:Gateway\/.*\.port\.number$)/,
};

const bases: [string, Map<string, string>][] = [
  ["generated seed 7", generatedScenario(7)],
  ["generated seed 11", generatedScenario(11)],
  ["corpus 01", corpusScenario("01-canonical-vault-postgres")],
];
const parsedBases = new Map(bases.map(([name, files]) => [name, parseScenarioFiles(files)]));

describe("mutateScenario", () => {
  it("is deterministic per seed and varies with it", () => {
    const [, files] = bases[0]!;
    const a = mutateScenario(files, createPrng(42))!;
    const b = mutateScenario(files, createPrng(42))!;
    expect([...a.files]).toEqual([...b.files]);
    expect(a.mutations).toEqual(b.mutations);
    const descriptions = new Set(
      Array.from({ length: 20 }, (_, s) =>
        mutateScenario(files, createPrng(s))!
          .mutations.map((m) => m.description)
          .join("; "),
      ),
    );
    expect(descriptions.size).toBeGreaterThan(15);
  });

  it.each(bases)("strips every expectation and keeps every probe (%s)", (_name, files) => {
    const before = parse(files.get("scenario.yaml")!) as Node;
    for (let seed = 0; seed < 30; seed++) {
      const m = mutateScenario(files, createPrng(seed))!;
      expect(m.mutations.length).toBeGreaterThan(0);
      const after = parse(m.files.get("scenario.yaml")!) as Node;
      expect(after["expectExposure"]).toBeUndefined();
      // Every probe is kept, in order (a mutation may add probes of its own after them).
      const names = (before["probes"] as Node[]).map((p) => p["name"]);
      expect((after["probes"] as Node[]).map((p) => p["name"]).slice(0, names.length)).toEqual(names);
      for (const p of after["probes"] as Node[]) expect(Object.keys(p).filter((k) => k.startsWith("expect"))).toEqual([]);
    }
  });

  it("withoutExpectations changes nothing but the expectations", () => {
    const [, files] = bases[2]!;
    const stripped = parseScenarioFiles(withoutExpectations(files));
    const original = parseScenarioFiles(files);
    expect(changedKeys(original, stripped).every((k) => /^scenario\.(expectExposure|probes\.\d+\.expect)/.test(k))).toBe(true);
  });
});

describe.each(mutationKinds)("mutation %s", (kind) => {
  it.each(bases)("changes what it says and nothing else (%s)", (_name) => {
    const docs = parsedBases.get(_name)!;
    let applied = 0;
    for (let seed = 0; seed < 10; seed++) {
      const result = applyMutation(docs, kind, createPrng(seed));
      if (!result) continue;
      applied++;
      expect(result.mutation.kind).toBe(kind);
      expect(result.mutation.description).not.toBe("");
      const changed = changedKeys(docs, result.docs);
      expect(changed, result.mutation.description).not.toEqual([]);
      const stray = changed.filter((k) => !allowed[kind].test(k));
      expect(stray, result.mutation.description).toEqual([]);
      if (kind === "drop-resource") expect(new Set(changed.map((k) => k.split(":").slice(0, 2).join(":"))).size).toBe(1);
    }
    // Every kind applies to meshfed's own output; the corpus scenario lacks some resources.
    if (
      !_name.startsWith("corpus") ||
      ![
        "gateway-tls-mode",
        "authz-action",
        "authz-principals",
        "authz-ports",
        "authz-namespace-wildcard",
        "authz-dry-run",
        "authz-source-address",
        "authz-root-namespace",
        "authz-target-refs",
        "peer-authentication",
        "gateway-host",
        "gateway-port",
      ].includes(kind)
    ) {
      expect(applied).toBeGreaterThan(0);
    }
  });
});

describe("compareVerdicts", () => {
  const hop = (at: string, extra: object) => ({ at, mesh: "m", ...extra });
  const verdict = (v: string, deniedAt: string | null, reason: string | null, cluster = "c"): VerdictJson => ({
    probes: [{ name: "p", verdict: v, deniedAt, reason, hops: [hop("client", { cluster })] }],
    exposure: [{ mesh: "m", host: "h", port: 1, admits: ["a", "b"] }],
  });

  it("agrees on equal verdicts, exposure compared as a set with sorted admits", () => {
    const a = verdict("allow", null, null);
    const b: VerdictJson = { ...verdict("allow", null, null), exposure: [{ mesh: "m", host: "h", port: 1, admits: ["b", "a"] }] };
    expect(compareVerdicts(a, b)).toEqual([]);
  });

  it.each([
    ["verdict", verdict("deny", "client", "MF3001")],
    ["verdict", verdict("deny", "server", "MF3001")],
    ["verdict", verdict("deny", "client", "MF3002")],
  ])("reports a %s difference", (field, other) => {
    const ds = compareVerdicts(verdict("deny", "client", "MF3001"), verdict("allow", null, null));
    expect(ds.map((d) => d.field)).toEqual([field]);
    expect(compareVerdicts(verdict("deny", "client", "MF3001"), other).length).toBeLessThanOrEqual(1);
  });

  it("reports exposure and hop differences", () => {
    const a = verdict("allow", null, null);
    const b: VerdictJson = { ...verdict("allow", null, null, "other"), exposure: [] };
    expect(compareVerdicts(a, b).map((d) => d.field)).toEqual(["exposure"]);
    expect(compareVerdicts(a, b, { hops: true }).map((d) => d.field)).toEqual(["hops", "exposure"]);
    expect(hopFieldDifferences(a, b)).toEqual(["client.cluster"]);
  });

  it("tells whether a verdict differs from the source's expectations", () => {
    const expected = expectationsOf(
      parseScenarioFiles(new Map([["scenario.yaml", "probes:\n- {name: p, expect: deny, expectDeniedAt: client, expectReason: MF3001}\n"]])),
    );
    expect(differsFromExpectations(expected, verdict("deny", "client", "MF3001"))).toBe(false);
    expect(differsFromExpectations(expected, verdict("deny", "gateway", "MF3004"))).toBe(true);
    expect(differsFromExpectations(expected, verdict("allow", null, null))).toBe(true);
  });
});
