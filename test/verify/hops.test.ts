import { describe, expect, it } from "vitest";
import { expandPrincipals } from "../../src/verify/authz.js";
import { hostMatches } from "../../src/verify/hosts.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { baseMeshes, exportYaml, importYaml, inlineScenario, vaultProbe } from "./helpers.js";

function run(imp: Parameters<typeof importYaml>[0], exp: Parameters<typeof exportYaml>[0], meshes = baseMeshes) {
  const s = inlineScenario(`${meshes}${vaultProbe()}`, { operations: importYaml(imp), production: exportYaml(exp) });
  const v = verifyScenario(s).verdict;
  return { probe: v.probes[0]!, exposure: v.exposure };
}

describe("verify: one decision per hop", () => {
  it.each([
    ["canonical export", {}, {}, "allow", null, null],
    ["no ServiceEntry visible to the client namespace", { exportTo: "billing" }, {}, "deny", "client", "MF3001"],
    ["endpoint is not an east-west gateway", { endpoint: "10.2.1.10" }, {}, "deny", "client", "MF3002"],
    ["no DestinationRule: plaintext", { dr: false }, {}, "deny", "gateway", "MF3003"],
    ["DestinationRule DISABLE", { mode: "DISABLE" }, {}, "deny", "gateway", "MF3003"],
    ["default SNI is the local alias", { sni: "" }, {}, "deny", "gateway", "MF3004"],
    ["SNI with the gateway port", { sni: "outbound_.15443_._.postgres.db.svc.cluster.local" }, {}, "deny", "gateway", "MF3004"],
    ["service not in the Gateway hosts", {}, { hosts: ["redis.cache.svc.cluster.local"] }, "deny", "gateway", "MF3004"],
    ["Gateway selects another proxy", {}, { selector: "ingressgateway" }, "deny", "gateway", "MF3004"],
    ["SIMPLE TLS lacks the Istio ALPN of AUTO_PASSTHROUGH chains", { mode: "SIMPLE" }, {}, "deny", "gateway", "MF3004"],
    ["client SAN does not name the server", { sans: ["spiffe://production.nrc.internal/ns/db/sa/other"] }, {}, "deny", "trust", "MF3007"],
    ["guard does not list the caller", {}, { guard: "production.nrc.internal/*" }, "deny", "server", "MF3008"],
    ["no guard at all", {}, { guard: "" }, "allow", null, null],
    ["DENY by source trustDomains", {}, { guard: "zzz/ns/a/sa/b]\n        trustDomains: [operations.nrc.internal" }, "deny", "server", "MF3008"],
    ["*.local exposes it", {}, { hosts: ["*.local"] }, "allow", null, null],
    ["ns/* is not namespace-scoped", {}, { hosts: ["cache/*"] }, "allow", null, null],
    ["PERMISSIVE still allows mTLS", {}, { mtls: "PERMISSIVE" }, "allow", null, null],
    ["DISABLE does not terminate TLS", {}, { mtls: "DISABLE" }, "deny", "server", "MF3009"],
  ] as const)("%s", (_name, imp, exp, verdict, deniedAt, reason) => {
    const { probe } = run(imp, exp);
    expect({ verdict: probe.verdict, deniedAt: probe.deniedAt, reason: probe.reason }).toEqual({ verdict, deniedAt, reason });
  });

  it("reports the client hop fields", () => {
    const { probe } = run({}, {});
    expect(probe.hops).toEqual([
      {
        at: "client",
        mesh: "operations",
        cluster: "outbound|5432||postgres.db.production.mesh",
        tls: "ISTIO_MUTUAL",
        sni: "outbound_.5432_._.postgres.db.svc.cluster.local",
        sans: ["spiffe://production.nrc.internal/ns/db/sa/postgres"],
        endpoint: "10.20.0.10:15443",
      },
      { at: "gateway", mesh: "production", matched: "outbound_.5432_._.postgres.db.svc.cluster.local" },
      { at: "server", mesh: "production", workload: "db/postgres-0", peer: "spiffe://operations.nrc.internal/ns/vault/sa/vault", authz: "allow" },
    ]);
  });

  it("rejects an untrusted trust domain (MF3006) and different roots (MF3005)", () => {
    const noCa = baseMeshes.replace(/ {2}meshConfig:\n {4}caCertificates:\n {4}- trustDomains: \[operations.nrc.internal\]\n/, "");
    expect(run({}, {}, noCa).probe.reason).toBe("MF3006");
    expect(
      run({}, {}, noCa.replace("rootCA: nrc-root\n  eastWestGateway: {address: 10.20", "rootCA: other\n  eastWestGateway: {address: 10.20")).probe.reason,
    ).toBe("MF3005");
    const skip = noCa.replace(
      "  rootCA: nrc-root\n  eastWestGateway: {address: 10.20",
      "  rootCA: nrc-root\n  skipValidateTrustDomain: true\n  eastWestGateway: {address: 10.20",
    );
    expect(run({}, {}, skip).probe.verdict).toBe("allow");
  });

  it("computes exposure: guarded, unguarded and *.local", () => {
    expect(run({}, {}).exposure).toEqual([
      { mesh: "production", host: "postgres.db.svc.cluster.local", port: 5432, admits: ["operations.nrc.internal/ns/vault/sa/vault"] },
    ]);
    expect(run({}, { guard: "" }).exposure[0]!.admits).toEqual(["*"]);
    const wide = run({}, { hosts: ["*.local"] }).exposure.map((e) => `${e.host}:${e.port}`);
    expect(wide).toEqual(["postgres.db.svc.cluster.local:5432", "redis.cache.svc.cluster.local:6379"]);
  });

  it("admits a named identity only in the trust domain its principal names", () => {
    // staging has a vault/vault identity too: same namespace and service account as the one the
    // guard names, but another trust domain, so the guard denies it.
    const meshes = `${baseMeshes.replace("trustDomains: [operations.nrc.internal]", "trustDomains: [operations.nrc.internal, staging.nrc.internal]")}- name: staging
  trustDomain: staging.nrc.internal
  rootCA: nrc-root
  eastWestGateway: {address: 10.30.0.10, port: 15443}
`;
    const staging = `apiVersion: v1
kind: Pod
metadata: {name: vault-0, namespace: vault, labels: {app: vault}}
spec: {serviceAccountName: vault}
status: {podIP: 10.3.1.10}
`;
    const admitted = (guard?: string) => {
      const s = inlineScenario(`${meshes}${vaultProbe()}`, {
        operations: importYaml({}),
        production: exportYaml(guard === undefined ? {} : { guard }),
        staging,
      });
      return verifyScenario(s).verdict.exposure[0]!.admits;
    };
    expect(admitted()).toEqual(["operations.nrc.internal/ns/vault/sa/vault"]);
    // Naming staging's vault instead admits it and not the other.
    expect(admitted("production.nrc.internal/*, staging.nrc.internal/ns/vault/sa/vault")).toEqual(["staging.nrc.internal/ns/vault/sa/vault"]);
    // cluster.local is rewritten to the server's own trust domain: it names no other mesh's identity.
    expect(admitted("production.nrc.internal/*, cluster.local/ns/vault/sa/vault")).toEqual([]);
  });

  it("evaluates shared resource objects with each scenario's own trust domains", () => {
    // The same parsed resources, once without and once with a trust-domain alias: policies are
    // compiled per mesh, so the second run must not reuse the first one's expansion.
    const plain = inlineScenario(`${baseMeshes}${vaultProbe()}`, {
      operations: importYaml({}),
      production: exportYaml({ guard: "production.nrc.internal/ns/vault/sa/vault" }),
    });
    const aliased = { ...plain, meshes: plain.meshes.map((m) => (m.name === "production" ? { ...m, trustDomainAliases: ["operations.nrc.internal"] } : m)) };
    expect(verifyScenario(plain).verdict.probes[0]!.verdict).toBe("deny");
    expect(verifyScenario(aliased).verdict.probes[0]!.verdict).toBe("allow");
    expect(verifyScenario(plain).verdict.probes[0]!.verdict).toBe("deny");
  });

  it("widens principals by trust-domain aliases as Istio's bundle does", () => {
    expect(expandPrincipals(["ops/ns/vault/sa/vault"], ["prod", "ops", "stg"])).toEqual([
      "prod/ns/vault/sa/vault",
      "ops/ns/vault/sa/vault",
      "stg/ns/vault/sa/vault",
    ]);
    expect(expandPrincipals(["prod/*", "*/ns/a/sa/b", "other/ns/a/sa/b"], ["prod", "ops"])).toEqual(["prod/*", "*/ns/a/sa/b", "other/ns/a/sa/b"]);
    expect(expandPrincipals(["cluster.local/ns/a/sa/b"], ["prod"])).toEqual(["prod/ns/a/sa/b"]);
  });

  it.each([
    ["postgres.db.svc.cluster.local", "*.local", true],
    ["postgres.db.svc.cluster.local", "*", true],
    ["postgres.db.svc.cluster.local", "*.cache.svc.cluster.local", false],
    ["postgres.db.svc.cluster.local", "postgres.db.svc.cluster.local", true],
  ] as const)("host %s matches %s: %s", (h, p, want) => {
    expect(hostMatches(h, p)).toBe(want);
  });
});
