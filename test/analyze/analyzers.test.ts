import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzers, analyzeWorld } from "../../src/analyze/analyzers.js";
import { exceedsThreshold, isSuppressed, parseSuppression, resourceKey } from "../../src/analyze/filter-findings.js";
import { codeInfo } from "../../src/diagnostics/codes.js";
import { loadScenario } from "../../src/cli/read-files.js";
import { World } from "../../src/verify/verify-scenario.js";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { exampleText, repoRoot } from "../helpers/fixtures.js";

async function findings(dir: string) {
  const loaded = await loadScenario(join(repoRoot, dir));
  if (!loaded.scenario) throw new Error(JSON.stringify(loaded.diagnostics));
  return analyzeWorld(new World(loaded.scenario));
}

const corpus = "conformance/scenarios";

describe("analyzers", () => {
  it("are registered with unique names, codes in the registry and a description", () => {
    expect(new Set(analyzers.map((a) => a.name)).size).toBe(analyzers.length);
    for (const a of analyzers) {
      expect(() => codeInfo(a.code)).not.toThrow();
      expect(a.description.length).toBeGreaterThan(10);
    }
  });

  // Each trap of DESIGN.md, in the corpus scenario that shows it, is reported with its code.
  it.each([
    ["10-trap-wildcard-local-host", "MF3201"],
    ["11-trap-namespace-wildcard-host", "MF3202"],
    ["12-trap-plaintext-no-destinationrule", "MF3203"],
    ["14-trap-sni-mismatch", "MF3204"],
    ["15-trap-trust-domain-not-accepted", "MF3205"],
    ["16-trap-trust-domain-aliases-widen", "MF3206"],
    ["17-trap-shared-cluster-local", "MF3207"],
    ["17-trap-shared-cluster-local", "MF3213"],
    ["18-trap-tcp-serviceentry-without-addresses", "MF3208"],
    ["19-trap-authz-on-gateway", "MF3209"],
    ["20-trap-overlapping-servers-same-host", "MF3210"],
    ["21-trap-overlapping-servers-wildcard", "MF3210"],
    ["06-permissive-vs-strict", "MF3211"],
    ["31-dr-without-subject-alt-names", "MF3212"],
    ["30-consumer-config-exported-to-all-namespaces", "MF3214"],
  ])("%s → %s", async (scenario, code) => {
    const f = await findings(`${corpus}/${scenario}`);
    const hit = f.find((d) => d.code === code);
    expect(hit, f.map((d) => `${d.code} ${d.message}`).join("\n")).toBeDefined();
    expect(hit!.fix.length).toBeGreaterThan(10);
    expect(hit!.resource).toMatch(/^\S+: /);
  });

  it("finds nothing in meshfed's output for the bundled example", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meshfed-analyze-"));
    const federation = parseFederation(exampleText).federation!;
    await writeFileTree(dir, buildScenario(federation, compileFederation(federation).compiled!));
    const loaded = await loadScenario(dir);
    expect(loaded.scenario).toBeDefined();
    expect(analyzeWorld(new World(loaded.scenario!))).toEqual([]);
  });

  it("reports two ServiceEntries for one host in a namespace (MF3217)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meshfed-analyze-dup-"));
    const federation = parseFederation(exampleText).federation!;
    const files = buildScenario(federation, compileFederation(federation).compiled!);
    const se = files.get("operations/serviceentry.vault.meshfed-production-db-postgres.yaml")!;
    files.set("operations/serviceentry.vault.copy.yaml", se.replace("name: meshfed-production-db-postgres", "name: copy"));
    await writeFileTree(dir, files);
    const loaded = await loadScenario(dir);
    const f = analyzeWorld(new World(loaded.scenario!));
    expect(f.map((d) => d.code)).toEqual(["MF3217"]);
    expect(f[0]!.message).toContain("postgres.db.production.mesh is also declared by ServiceEntry vault/");
  });

  it.each([
    ["the Service port", "443"],
    ["the targetPort", "15443"],
  ])("checks AUTO_PASSTHROUGH servers written with %s of the gateway Service (MF3201)", async (_name, number) => {
    // Scenario 49: the gateway Service maps 443 to 15443 and clients dial 443; a server listens on
    // the targetPort whichever of the two it gives (model/gateway.go resolvePorts).
    const dir = mkdtempSync(join(tmpdir(), "meshfed-analyze-port-"));
    const loaded = await loadScenario(join(repoRoot, corpus, "49-gateway-service-port-translated"), repoRoot);
    const files = new Map<string, string>();
    for (const [file, text] of loaded.sources) files.set(file.replace(`${corpus}/49-gateway-service-port-translated/`, ""), text);
    const exportFile = "production/meshfed-export.yaml";
    files.set(
      exportFile,
      files
        .get(exportFile)!
        .replace("- port: {number: 443, name: tls, protocol: TLS}", `- port: {number: ${number}, name: tls, protocol: TLS}`)
        .replace("hosts: [postgres.db.svc.cluster.local]", 'hosts: ["*.local"]'),
    );
    await writeFileTree(dir, files);
    const changed = await loadScenario(dir);
    const f = analyzeWorld(new World(changed.scenario!));
    expect(f.map((d) => d.code)).toContain("MF3201");
  });

  it("names the file and line of the resource", async () => {
    const f = await findings(`${corpus}/10-trap-wildcard-local-host`);
    const hit = f.find((d) => d.code === "MF3201")!;
    expect(hit.position?.file).toMatch(/10-trap-wildcard-local-host\/production\/.+\.yaml$/);
    expect(hit.position?.line).toBeGreaterThan(0);
  });
});

describe("--suppress and --failure-threshold", () => {
  const finding = {
    code: "MF3209" as const,
    severity: "warning" as const,
    message: "m",
    fix: "f",
    resource: "production: AuthorizationPolicy istio-system/deny-all",
  };

  it.each([
    ["MF3209=production/AuthorizationPolicy/istio-system/deny-all", true],
    ["MF3209=production/AuthorizationPolicy/istio-system/*", true],
    ["MF3209=*", true],
    ["MF3209", true],
    ["MF3201=*", false],
    ["MF3209=staging/*/*/*", false],
  ])("%s suppresses: %s", (rule, expected) => {
    const parsed = parseSuppression(rule);
    expect(typeof parsed).toBe("object");
    expect(isSuppressed(finding, [parsed as never])).toBe(expected);
  });

  it("rejects malformed rules with the expected form", () => {
    expect(parseSuppression("IST0101=x")).toMatch(/expected CODE=mesh\/Kind\/namespace\/name/);
    expect(parseSuppression("MF3209=a/b")).toMatch(/mesh\/Kind\/namespace\/name/);
  });

  it("keys findings by mesh/Kind/namespace/name", () => {
    expect(resourceKey(finding)).toBe("production/AuthorizationPolicy/istio-system/deny-all");
    expect(resourceKey({ ...finding, resource: "production: mesh" })).toBe("production/mesh/-/-");
  });

  it("fails at or above the threshold only", () => {
    expect(exceedsThreshold([finding], "warning")).toBe(true);
    expect(exceedsThreshold([finding], "error")).toBe(false);
    expect(exceedsThreshold([], "info")).toBe(false);
  });
});
