import { describe, expect, it } from "vitest";
import { cidrContains, parseCidrRange } from "../../src/verify/ip-cidr.js";
import { runVerify } from "../../src/verify/run-verify.js";
import { baseMeshes, exportYaml, importYaml, inlineScenario, vaultProbe } from "./helpers.js";

/** The canonical export without its guard, plus one AuthorizationPolicy (and optional mesh config). */
function run(policy: string, opts: { meshes?: string; noGatewayPod?: boolean } = {}) {
  let production = `${exportYaml({ guard: "" })}---\n${policy}`;
  if (opts.noGatewayPod) production = production.replace(/^apiVersion: v1\nkind: Pod\nmetadata: \{name: istio-eastwestgateway-0[\s\S]*?---\n/, "");
  const s = inlineScenario(`${opts.meshes ?? baseMeshes}${vaultProbe()}`, { operations: importYaml({}), production });
  const r = runVerify(s);
  return { probe: r.verdict.probes[0]!, notModelled: r.findings.filter((f) => f.code === "MF3299") };
}

const policy = (action: string, rules: string, extra = "") => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: db}
${extra}spec:
  selector: {matchLabels: {app: postgres}}
  action: ${action}
  rules:
${rules}`;

describe("AuthorizationPolicy features Istio evaluates on TCP", () => {
  it.each([
    ["ipBlocks 0.0.0.0/0 DENY is a deny-all", policy("DENY", `  - from: [{source: {ipBlocks: ["0.0.0.0/0"]}}]\n`), "deny"],
    ["ipBlocks of the gateway pod DENY", policy("DENY", `  - from: [{source: {ipBlocks: ["10.2.0.5"]}}]\n`), "deny"],
    ["ipBlocks of another range DENY", policy("DENY", `  - from: [{source: {ipBlocks: ["10.3.0.0/16"]}}]\n`), "allow"],
    ["notIpBlocks excluding the gateway DENY", policy("DENY", `  - from: [{source: {notIpBlocks: ["10.2.0.0/24"]}}]\n`), "allow"],
    ["remoteIpBlocks DENY", policy("DENY", `  - from: [{source: {remoteIpBlocks: ["10.2.0.0/16"]}}]\n`), "deny"],
    ["notRemoteIpBlocks DENY", policy("DENY", `  - from: [{source: {notRemoteIpBlocks: ["10.9.0.0/16"]}}]\n`), "deny"],
    ["when source.ip ALLOW", policy("ALLOW", `  - when: [{key: source.ip, values: ["10.2.0.5/32"]}]\n`), "allow"],
    ["when remote.ip ALLOW of another address", policy("ALLOW", `  - when: [{key: remote.ip, values: ["10.2.0.6"]}]\n`), "deny"],
    ["when destination.ip ALLOW", policy("ALLOW", `  - when: [{key: destination.ip, values: ["10.2.1.10"]}]\n`), "allow"],
    ["when destination.ip notValues ALLOW", policy("ALLOW", `  - when: [{key: destination.ip, notValues: ["10.2.1.0/24"]}]\n`), "deny"],
    ["when connection.sni prefix ALLOW", policy("ALLOW", `  - when: [{key: connection.sni, values: ["outbound_.5432_*"]}]\n`), "allow"],
    ["when connection.sni other DENY", policy("DENY", `  - when: [{key: connection.sni, values: ["outbound_.6379_*"]}]\n`), "allow"],
    ["when source.namespace ALLOW", policy("ALLOW", `  - when: [{key: source.namespace, values: ["vault"]}]\n`), "allow"],
    ["when source.principal DENY", policy("DENY", `  - when: [{key: source.principal, values: ["operations.nrc.internal/ns/vault/sa/vault"]}]\n`), "deny"],
    // generator.go srcNamespaceGenerator: every `*` of a namespace value is `.*`, wherever it is.
    ["namespaces with a * inside ALLOW", policy("ALLOW", `  - from: [{source: {namespaces: ["v*t"]}}]\n`), "allow"],
    ["namespaces with two * ALLOW", policy("ALLOW", `  - from: [{source: {namespaces: ["*a*lt"]}}]\n`), "allow"],
    ["namespaces with a * inside, another namespace ALLOW", policy("ALLOW", `  - from: [{source: {namespaces: ["b*g"]}}]\n`), "deny"],
    ["when source.namespace with a * inside DENY", policy("DENY", `  - when: [{key: source.namespace, values: ["va*t"]}]\n`), "deny"],
    ["notNamespaces with a * inside DENY", policy("DENY", `  - from: [{source: {notNamespaces: ["v*t"]}}]\n`), "allow"],
  ])("%s", (_name, p, verdict) => {
    const r = run(p);
    expect(r.probe.verdict).toBe(verdict);
    expect(r.notModelled).toEqual([]);
  });

  it.each([
    ["true", "allow"],
    ["True", "allow"],
    ["1", "allow"],
    ["false", "deny"],
    ["0", "deny"],
  ])("istio.io/dry-run %s (ParseBool)", (value, verdict) => {
    const r = run(
      policy("DENY", `  - {}\n`, `metadata:\n  name: p\n  namespace: db\n  annotations: {istio.io/dry-run: "${value}"}\n`).replace(
        "metadata: {name: p, namespace: db}\n",
        "",
      ),
    );
    expect(r.probe.verdict).toBe(verdict);
  });

  it("declares request attributes (methods, paths, hosts, headers) on an HTTP inbound port, not on a TCP one", () => {
    const methods = policy("ALLOW", `  - to: [{operation: {methods: [GET]}}]\n`);
    const headers = policy("DENY", `  - when: [{key: "request.headers[x-user]", values: ["a"]}]\n`);
    const onHttp = (p: string) => {
      const production = `${exportYaml({ guard: "" }).replace("name: tcp-postgres", "name: http-postgres")}---\n${p}`;
      const r = runVerify(inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: importYaml({}), production }));
      return r.findings.filter((f) => f.code === "MF3299").map((f) => f.message);
    };
    expect(onHttp(methods)).toEqual([expect.stringContaining("spec.rules[0].to[0].operation.methods")]);
    expect(onHttp(headers)).toEqual([expect.stringContaining("spec.rules[0].when[0]")]);
    expect(run(methods).notModelled).toEqual([]);
  });

  it("a root-namespace policy with a selector applies in the workload's namespace", () => {
    const p = policy("DENY", "  - {}\n").replace("namespace: db}", "namespace: istio-system}");
    expect(run(p).probe.verdict).toBe("deny");
    expect(run(p.replace("app: postgres", "app: other")).probe.verdict).toBe("allow");
  });

  it("a policy with targetRefs does not apply to a sidecar", () => {
    const p = policy("DENY", "  - {}\n").replace(
      "  selector: {matchLabels: {app: postgres}}\n",
      '  targetRefs: [{group: "", kind: Service, name: postgres}]\n',
    );
    expect(run(p).probe.verdict).toBe("allow");
  });

  it("CUSTOM with an unknown provider denies what its rules match; with a known one it is declared", () => {
    const p = policy("CUSTOM", `  - to: [{operation: {ports: ["5432"]}}]\n`).replace("  rules:", "  provider: {name: authz}\n  rules:");
    const unknown = run(p);
    expect(unknown.probe).toMatchObject({ verdict: "deny", deniedAt: "server", reason: "MF3008" });
    expect(unknown.notModelled).toEqual([]);
    const meshes = baseMeshes.replace(
      "  meshConfig:\n",
      "  meshConfig:\n    extensionProviders: [{name: authz, envoyExtAuthzGrpc: {service: postgres.db.svc.cluster.local, port: 9000}}]\n",
    );
    const known = run(p, { meshes });
    expect(known.notModelled).toHaveLength(1);
    expect(known.notModelled[0]).toMatchObject({ severity: "error", path: "spec.provider.name", resource: "production: AuthorizationPolicy db/p" });
    expect(known.notModelled[0]!.message).toMatch(
      /^production\/resources\.yaml:\d+: AuthorizationPolicy db\/p: spec\.provider\.name: not modelled: .*db\/postgres-0/,
    );
    // A provider whose service is not in the registry fails to build: istiod denies, nothing is declared.
    const missing = run(p, { meshes: meshes.replace("service: postgres.db.svc.cluster.local", "service: authz.authz.svc.cluster.local") });
    expect(missing.probe).toMatchObject({ verdict: "deny", reason: "MF3008" });
    expect(missing.notModelled).toEqual([]);
    // istiod rejects istio.io/dry-run on a CUSTOM policy (validation.go checkDryRunAnnotation).
    const dry = p.replace("metadata: {name: p, namespace: db}", 'metadata: {name: p, namespace: db, annotations: {istio.io/dry-run: "true"}}');
    expect(() => run(dry, { meshes })).toThrow(/only supports action ALLOW\/DENY/);
  });

  it("a Gateway API gateway workload with AuthorizationPolicies in its namespace is declared", () => {
    const p = policy("DENY", "  - {}\n");
    const gwApi = p.replace(
      "apiVersion: security.istio.io/v1",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: waypoint-0, namespace: db, labels: {gateway.networking.k8s.io/gateway-name: waypoint}}\nspec: {serviceAccountName: waypoint}\nstatus: {podIP: 10.2.1.50}\n---\napiVersion: security.istio.io/v1",
    );
    expect(run(gwApi).notModelled.map((f) => f.path)).toEqual(["metadata.labels.gateway.networking.k8s.io/gateway-name"]);
    expect(run(p).notModelled).toEqual([]);
  });

  it("a source-address rule is declared when the input has no gateway pod, unless the range is /0", () => {
    const narrow = run(policy("DENY", `  - from: [{source: {ipBlocks: ["10.2.0.0/24"]}}]\n`), { noGatewayPod: true });
    expect(narrow.notModelled.map((f) => f.path)).toEqual(["spec.rules[0].from[0].source.ipBlocks"]);
    const all = run(policy("DENY", `  - from: [{source: {ipBlocks: ["0.0.0.0/0"]}}]\n`), { noGatewayPod: true });
    expect(all.notModelled).toEqual([]);
  });
});

describe("CIDR ranges as Istio parses them", () => {
  it.each([
    ["10.2.0.5", "10.2.0.5", true],
    ["10.2.0.5", "10.2.0.6", false],
    ["10.2.0.0/24", "10.2.0.255", true],
    ["10.2.0.0/24", "10.2.1.0", false],
    ["0.0.0.0/0", "192.168.1.1", true],
    ["0.0.0.0/0", "::1", false],
    ["::/0", "10.2.0.5", false],
    ["2001:db8::/32", "2001:db8:1::5", true],
    ["2001:db8::/32", "2001:db9::5", false],
    ["::ffff:10.2.0.0/120", "::ffff:10.2.0.9", true],
  ])("%s contains %s: %s", (range, ip, expected) => {
    expect(cidrContains(parseCidrRange(range)!, ip)).toBe(expected);
  });

  it.each(["10.2.0.0/33", "10.2.0", "010.2.0.1", "10.2.0.0/", "1:2:3:4:5:6:7:8:9", "x"])("%s is not a range", (range) => {
    expect(parseCidrRange(range)).toBeUndefined();
  });
});

describe("AuthorizationPolicies on the east-west gateway", () => {
  const gatewayPolicy = (spec: string, extra = "") => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: gateway-policy, namespace: istio-system${extra}}
spec:
  selector: {matchLabels: {istio: eastwestgateway}}
${spec}`;
  const denyAll = "  action: DENY\n  rules: [{}]\n";
  // A terminating catch-all server routing every SNI no other chain names to postgres.
  const terminating = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: terminate, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls-term, protocol: TLS}
    tls: {mode: ISTIO_MUTUAL}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: postgres-tcp, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [terminate]
  tcp:
  - route:
    - destination: {host: postgres.db.svc.cluster.local, port: {number: 5432}}
`;
  function runFull(production: string) {
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: importYaml({}), production: `${exportYaml({ guard: "" })}---\n${production}` });
    return runVerify(s);
  }

  it("has no effect on AUTO_PASSTHROUGH chains (Istio builds them without authz)", () => {
    const r = run(gatewayPolicy(denyAll));
    expect(r.probe.verdict).toBe("allow");
    expect(r.notModelled).toEqual([]);
  });

  it("is modelled on a terminating chain (corpus 82 checks it against the oracle), leaving AUTO_PASSTHROUGH chains alone", () => {
    const r = runFull(`${gatewayPolicy(denyAll)}---\n${terminating}`);
    expect(r.findings.filter((f) => f.code === "MF3299")).toEqual([]);
    // vault's call matches postgres's own AUTO_PASSTHROUGH chain by its SNI: no RBAC filter there.
    expect(r.verdict.probes[0]!.verdict).toBe("allow");
  });

  it.each([
    [
      "a source address rule",
      "  action: DENY\n  rules:\n  - from: [{source: {ipBlocks: [0.0.0.0/0]}}]\n",
      /rules\[0\]\.from\[0\]\.source\.ipBlocks: not modelled: .*source address/,
    ],
    ["a remote.ip condition", "  action: ALLOW\n  rules:\n  - when: [{key: remote.ip, values: [10.0.0.0/8]}]\n", /rules\[0\]\.when\[0\]: not modelled/],
  ])("declares %s on a chain that runs the gateway's RBAC filter (MF3299)", (_name, spec, message) => {
    const r = run(`${gatewayPolicy(spec)}---\n${terminating}`);
    expect(r.notModelled).toHaveLength(1);
    expect(r.notModelled[0]!.message).toMatch(message);
  });

  it("declares policies when a SIMPLE server terminates a chain", () => {
    const r = run(`${gatewayPolicy(denyAll)}---\n${terminating.replace("tls: {mode: ISTIO_MUTUAL}", "tls: {mode: SIMPLE, credentialName: gw-cert}")}`);
    expect(r.notModelled.map((f) => f.message)).toEqual([expect.stringMatching(/terminates a chain with a SIMPLE server/)]);
  });

  it("is not declared in dry-run: shadow rules change nothing", () => {
    const r = run(
      `${gatewayPolicy("  action: DENY\n  rules:\n  - from: [{source: {ipBlocks: [10.0.0.0/8]}}]\n", ', annotations: {istio.io/dry-run: "true"}')}---\n${terminating}`,
    );
    expect(r.notModelled).toEqual([]);
  });
});
