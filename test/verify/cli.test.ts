import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/verify/parse-scenario.js";
import { runCli } from "../helpers/run-cli.js";
import { baseMeshes, exportYaml, importYaml, vaultProbe } from "./helpers.js";

function scenarioDir(scenario: string, meshes: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-verify-"));
  writeFileSync(join(dir, "scenario.yaml"), scenario);
  for (const [m, text] of Object.entries(meshes)) {
    mkdirSync(join(dir, m));
    writeFileSync(join(dir, m, "all.yaml"), text);
  }
  return dir;
}

describe("meshfed verify (CLI)", () => {
  const meshes = { operations: importYaml(), production: exportYaml() };

  it.each([
    ["expectations met", "  expect: allow\n", 0],
    ["expectation not met", "  expect: deny\n", 4],
  ])("exits by expectations: %s", async (_n, expect_, code) => {
    const dir = scenarioDir(`${baseMeshes}${vaultProbe("p", expect_)}`, meshes);
    const json = await runCli(["verify", dir, "-o", "json"], dir);
    expect(json.code).toBe(code);
    expect(JSON.parse(json.stdout).probes[0].verdict).toBe("allow");
    const text = await runCli(["verify", dir], dir);
    expect(text.code).toBe(code);
    // The verdict (allow) and whether it met the expectation are separate columns.
    expect(text.stdout).toMatch(code === 0 ? /\n {2}p +allow +✓ met \(allow\)\n/ : /\n {2}p +allow +× NOT MET \(expected deny\)\n/);
    expect(text.stdout).toMatch(
      code === 0
        ? /Result: PASS — findings: 0 errors, 0 warnings; all 1 expectations met\n$/
        : /Result: FAIL — findings: 0 errors, 0 warnings; 1 of 1 expectations NOT MET\n$/,
    );
    expect(text.stdout).toMatch(/operations\s+-\s+1\/1/); // the matrix: operations calls, production answers
    expect(text.stdout).toContain("production: postgres.db.svc.cluster.local:5432 admits operations.nrc.internal/ns/vault/sa/vault");
  });

  it("fails on expectExposure that differs", async () => {
    const dir = scenarioDir(`${baseMeshes}${vaultProbe()}expectExposure: []\n`, meshes);
    const r = await runCli(["verify", dir, "-o", "json"], dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("unexpected exposure production postgres.db.svc.cluster.local:5432");
  });

  it("exits 3 with file:line for bad input", async () => {
    const dir = scenarioDir(`${baseMeshes}${vaultProbe().replace("mesh: operations", "mesh: nowhere")}`, meshes);
    const r = await runCli(["verify", dir], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/scenario\.yaml:\d+:\d+: error MF3101: .*"nowhere" is not a mesh/);
  });

  it("exits 2 for a missing directory", async () => {
    expect((await runCli(["verify", "/nonexistent/dir"], tmpdir())).code).toBe(2);
  });
});

describe("scenario loader", () => {
  const scenario = { file: "scenario.yaml", text: `${baseMeshes}probes: []\n` };

  it("accepts List kinds and keeps file:line of every item", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: db}\n- apiVersion: networking.istio.io/v1alpha3\n  kind: Gateway\n  metadata: {name: g, namespace: istio-system}\n  spec: {servers: [{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: [a.db.svc.cluster.local]}]}\n`;
    const r = parseScenario({ scenario, meshFiles: new Map([["production", [{ file: "production/list.yaml", text: `# c\n---\n${list}` }]]]) });
    expect(r.diagnostics).toEqual([]);
    expect(r.scenario!.resources.get("production")!.map((x) => [x.kind, x.namespace, x.file, x.line])).toEqual([
      ["Namespace", "default", "production/list.yaml", 6],
      ["Gateway", "istio-system", "production/list.yaml", 9],
    ]);
  });

  it.each([
    ["YAML syntax", "kind: [\n", "MF3102"],
    ["no kind", "apiVersion: v1\nmetadata: {name: x}\n", "MF3103"],
    ["no name", "apiVersion: v1\nkind: Pod\nmetadata: {}\n", "MF3103"],
    ["an unquoted * host (alias)", "apiVersion: v1\nkind: Pod\nmetadata: {name: *.db}\n", "MF3102"],
    [
      "an endpoint port keyed by an undeclared name",
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x}\nspec:\n  hosts: [a.b]\n  resolution: STATIC\n  ports: [{number: 1, name: tcp, protocol: TCP}]\n  endpoints: [{address: 1.2.3.4, ports: {http: 2}}]\n",
      "MF3104",
    ],
    [
      "endpoints with resolution NONE (the default)",
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: x}\nspec:\n  hosts: [a.b]\n  ports: [{number: 1, name: tcp, protocol: TCP}]\n  endpoints: [{address: 1.2.3.4}]\n",
      "MF3104",
    ],
    [
      "a port name in to.operation.ports",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{to: [{operation: {ports: [tcp-postgres]}}]}]\n",
      "MF3104",
    ],
    [
      "a destination.port condition out of range",
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: destination.port, values: ["70000"]}]}]\n',
      "MF3104",
    ],
    [
      "an AuthorizationPolicy mixing serviceAccounts and principals",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {principals: [a/ns/b/sa/c], serviceAccounts: [b/c]}}]}]\n",
      "MF3104",
    ],
    [
      "an istio.io/dry-run value ParseBool rejects",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x, annotations: {istio.io/dry-run: maybe}}\nspec:\n  rules: [{}]\n",
      "MF3104",
    ],
    [
      "istio.io/dry-run on a CUSTOM AuthorizationPolicy",
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x, annotations: {istio.io/dry-run: "true"}}\nspec:\n  action: CUSTOM\n  provider: {name: p}\n  rules: [{}]\n',
      "MF3104",
    ],
    [
      "a DENY AuthorizationPolicy without rules",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  action: DENY\n",
      "MF3104",
    ],
    [
      "a CUSTOM AuthorizationPolicy with empty rules",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  action: CUSTOM\n  provider: {name: p}\n  rules: []\n",
      "MF3104",
    ],
    [
      "a CUSTOM AuthorizationPolicy without provider",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  action: CUSTOM\n  rules: [{}]\n",
      "MF3104",
    ],
    [
      "a MUTUAL DestinationRule without certificates",
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\nspec:\n  host: a.b\n  trafficPolicy: {tls: {mode: MUTUAL}}\n",
      "MF3104",
    ],
    [
      "a selector label value YAML reads as a boolean",
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {app: db, tier: true}}\n  mtls: {mode: STRICT}\n",
      "MF3104",
    ],
    [
      "a selector with a wildcard label value",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {app: '*'}}\n  rules: [{}]\n",
      "MF3104",
    ],
    [
      "a Sidecar workloadSelector label value YAML reads as a number",
      "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: x}\nspec:\n  workloadSelector: {labels: {version: 1.0}}\n",
      "MF3104",
    ],
    [
      "a lower-case PeerAuthentication mode",
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: x}\nspec:\n  mtls: {mode: strict}\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy action written as its enum number",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  action: 1\n  rules: [{}]\n",
      "MF3104",
    ],
    [
      "a DestinationRule tls.mode written as its enum number",
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\nspec:\n  host: a.b\n  trafficPolicy: {tls: {mode: 3}}\n",
      "MF3104",
    ],
    [
      "a namespace-wide PeerAuthentication with portLevelMtls",
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: x}\nspec:\n  portLevelMtls: {5432: {mode: DISABLE}}\n",
      "MF3104",
    ],
    [
      "a portLevelMtls key that is not a port",
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {app: db}}\n  portLevelMtls: {tcp-db: {mode: DISABLE}}\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy condition key Istio does not know",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: 'destination.labels[app]', values: [db]}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with an empty principal",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {principals: ['']}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with an ipBlocks value that is no address",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {ipBlocks: [foo]}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with an ipBlocks range with a prefix too long",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {ipBlocks: [10.0.0.0/33]}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a trust domain with a wildcard inside",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {trustDomains: ['a*b']}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a service account with a wildcard",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{from: [{source: {serviceAccounts: ['ns/*']}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with an empty to.operation",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{to: [{operation: {}}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a condition without values",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: source.namespace}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a condition with an empty value",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: source.namespace, values: ['']}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a source.ip condition that is no address",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: source.ip, values: [x]}]}]\n",
      "MF3104",
    ],
    [
      "an AuthorizationPolicy with a source.trustDomain condition with two wildcards",
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec:\n  rules: [{when: [{key: source.trustDomain, values: ['*a*']}]}]\n",
      "MF3104",
    ],
  ])("reports %s with a code and line", (_n, text, code) => {
    const r = parseScenario({ scenario, meshFiles: new Map([["production", [{ file: "production/x.yaml", text }]]]) });
    expect(r.scenario).toBeUndefined();
    // One resource may break several rules (istiod reports them all); each is the same code and file.
    expect([...new Set(r.diagnostics.map((d) => `${d.code} ${d.position?.file}`))]).toEqual([`${code} production/x.yaml`]);
  });
});
