import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

const example = "examples/nrc/federation.yaml";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "meshfed-cli-"));
}

describe("meshfed CLI", () => {
  it("validate: exit 0 on the example", async () => {
    const r = await runCli(["validate", example], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("valid (0 errors, 0 warnings)");
  });

  it("validate: exit 3 with file:line:col, the source line, a caret and the fix", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f.yaml"), minimal.replace("- name: operations", "- name: Operations"));
    const r = await runCli(["validate", "f.yaml"], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("f.yaml:7:13: error MF1007:");
    expect(r.stderr).toContain("7 |     - name: Operations");
    expect(r.stderr).toMatch(/\n\s+\^\n/);
    expect(r.stderr).toContain('fix: use a DNS-1123 label such as "operations"');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("validate -o json: machine-readable diagnostics", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f.yaml"), minimal.replace("number: 5432", "number: 0"));
    const r = await runCli(["validate", "f.yaml", "-o", "json"], dir);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    expect(out.diagnostics[0]).toMatchObject({ code: "MF1009", severity: "error", value: 0, position: { file: "f.yaml", line: 16, column: 19 } });
  });

  it.each([
    [["frobnicate"], 2],
    [["validate"], 2],
    [["validate", "does-not-exist.yaml"], 2],
    [["render", example, "-o", "xml"], 2],
    [["render", example, "--mesh", "nowhere"], 2],
    [["--help"], 0],
    [["render", "--help"], 0],
    [["--version"], 0],
  ])("%j exits %i", async (argv, code) => {
    const r = await runCli(argv as string[], repoRoot);
    expect(r.code).toBe(code);
    if (code === 0) expect(r.stdout.length).toBeGreaterThan(0);
    if (code === 2) expect(r.stderr.length).toBeGreaterThan(0);
  });

  it("--help documents the exit codes", async () => {
    const r = await runCli(["--help"], repoRoot);
    expect(r.stdout).toContain("3  invalid input");
    for (const cmd of ["validate", "render", "plan", "schema", "diagnostics", "scenario"]) expect(r.stdout).toContain(cmd);
  });

  it("render to stdout needs --mesh when the federation has several meshes (one stream would land on one cluster)", async () => {
    const r = await runCli(["render", example], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("has 3 meshes (operations, production, staging): render one to stdout with --mesh NAME");
    expect(r.stderr).toContain("or all with --out DIR");
  });

  it("render --mesh: one mesh's resources as a YAML stream, its install settings as comments", async () => {
    const counts: Record<string, number> = {};
    for (const mesh of ["operations", "production", "staging"]) {
      const r = await runCli(["render", example, "--mesh", mesh], repoRoot);
      expect(r.code).toBe(0);
      const docs = parseAllDocuments(r.stdout)
        .map((d) => d.toJS() as { kind: string } | null)
        .filter((d) => d !== null);
      counts[mesh] = docs.length;
      expect(r.stdout).toContain(`# mesh: ${mesh} — install-time settings`);
      expect(r.stdout).toMatch(/# Helm values for istiod:\n# {3}global:\n/);
    }
    // Each exporter's east-west gateway also gets its NetworkPolicy (operations declares egressCIDRs).
    expect(counts).toEqual({ operations: 8, production: 7, staging: 4 });
  });

  it("render --mesh -o json: one mesh with its install settings", async () => {
    const r = await runCli(["render", example, "--mesh", "production", "-o", "json"], repoRoot);
    const out = JSON.parse(r.stdout);
    expect(out.meshes.map((m: { mesh: string }) => m.mesh)).toEqual(["production"]);
    expect(out.meshes[0].install.acceptedTrustDomains).toEqual(["operations.nrc.internal"]);
  });

  it("render --out: a GitOps tree per mesh, with kustomization and install settings", async () => {
    const dir = tempDir();
    const r = await runCli(["render", join(repoRoot, example), "--out", "out"], dir);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["operations", "production", "staging"]);
    const prod = readdirSync(join(dir, "out/production")).sort();
    expect(prod).toContain("kustomization.yaml");
    expect(prod).toContain("gateway.istio-system.meshfed-db-postgres.yaml");
    const kustomization = parse(readFileSync(join(dir, "out/production/kustomization.yaml"), "utf8"));
    expect(kustomization.resources.sort()).toEqual(prod.filter((f) => f !== "kustomization.yaml" && f !== "install" && f !== ".meshfed-manifest"));
    expect(readdirSync(join(dir, "out/production/install")).sort()).toEqual(["eastwest-gateway-values.yaml", "istio-operator.yaml", "istiod-values.yaml"]);
    expect(readdirSync(join(dir, "out/operations/install")).sort()).toEqual(["dns-capture.yaml", "istio-operator.yaml", "istiod-values.yaml"]);
  });

  it("render --out keeps files it did not write, says so, and refuses to overwrite one (MF2004, exit 3)", async () => {
    const dir = tempDir();
    expect((await runCli(["render", join(repoRoot, example), "--out", "out"], dir)).code).toBe(0);
    writeFileSync(join(dir, "out/production/my-configmap.yaml"), "kind: ConfigMap\n");
    const again = await runCli(["render", join(repoRoot, example), "--out", "out"], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("left alone 1 file(s) meshfed did not write: out/production/my-configmap.yaml");
    expect(readFileSync(join(dir, "out/production/my-configmap.yaml"), "utf8")).toBe("kind: ConfigMap\n");
    writeFileSync(join(dir, "out/production/kustomization.yaml"), "# mine now\n");
    const refused = await runCli(["render", join(repoRoot, example), "--out", "out"], dir);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("MF2004");
    expect(readFileSync(join(dir, "out/production/kustomization.yaml"), "utf8")).toBe("# mine now\n");
  });

  it("render --out on invalid input writes nothing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f.yaml"), minimal.replace("number: 5432", "number: 0"));
    const r = await runCli(["render", "f.yaml", "--out", "out"], dir);
    expect(r.code).toBe(3);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("render --out rewrites its own files and keeps every other file, in and beside the mesh directories", async () => {
    const dir = tempDir();
    await runCli(["render", join(repoRoot, example), "--out", "out"], dir);
    writeFileSync(join(dir, "out/production/stale.yaml"), "stale");
    writeFileSync(join(dir, "out/README.md"), "mine");
    await runCli(["render", join(repoRoot, example), "--out", "out"], dir);
    expect(readFileSync(join(dir, "out/production/stale.yaml"), "utf8")).toBe("stale");
    expect(readFileSync(join(dir, "out/README.md"), "utf8")).toBe("mine");
  });

  it("plan: names what each mesh exposes to whom and what it imports", async () => {
    const r = await runCli(["plan", example], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("db/postgres ports 5432  →  operations.nrc.internal/ns/vault/sa/vault");
    expect(r.stdout).toContain("vault: postgres.db.production.mesh");
    expect(r.stdout).toContain("meshConfig.caCertificates[].trustDomains = [operations.nrc.internal]");
    const json = JSON.parse((await runCli(["plan", example, "-o", "json"], repoRoot)).stdout);
    expect(json.meshes.map((m: { mesh: string }) => m.mesh)).toEqual(["operations", "production", "staging"]);
  });

  it("schema: a JSON Schema that describes the model's fields", async () => {
    const r = await runCli(["schema"], repoRoot);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toContain("json-schema.org");
    expect(schema.required).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    const mesh = schema.properties.spec.properties.meshes.items;
    expect(mesh.required).toEqual(["name", "trustDomain"]);
    expect(mesh.additionalProperties).toBe(false);
    expect(Object.keys(mesh.properties)).toContain("eastWestGateway");
  });

  it("scenario: writes a scenario directory with probes and expected exposure", async () => {
    const dir = tempDir();
    const r = await runCli(["scenario", join(repoRoot, example), "--out", "sc"], dir);
    expect(r.code).toBe(0);
    const scenario = parse(readFileSync(join(dir, "sc/scenario.yaml"), "utf8"));
    expect(scenario.meshes.map((m: { name: string }) => m.name)).toEqual(["operations", "staging", "production"]);
    const allowed = scenario.probes.filter((p: { expect: string }) => p.expect === "allow").map((p: { name: string }) => p.name);
    expect(allowed).toContain("operations/vault/vault -> postgres.db.production.mesh:5432");
    expect(allowed).not.toContain("operations/vault/neighbour -> postgres.db.production.mesh:5432");
    expect(scenario.expectExposure).toContainEqual({
      mesh: "production",
      host: "postgres.db.svc.cluster.local",
      port: 5432,
      admits: ["operations.nrc.internal/ns/vault/sa/vault"],
    });
  });
});
