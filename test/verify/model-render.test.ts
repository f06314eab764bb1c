import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleFile, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

const meshes = ["operations", "production", "staging"];

describe("verify --model on meshfed's own output", () => {
  it("alone proves the model's own render and exits 0 when least-privileged", async () => {
    const r = await runCli(["verify", "--model", exampleFile, "-o", "json"], repoRoot);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.probes.length).toBeGreaterThan(10);
    expect(v.findings).toEqual([]);
    expect(v.exposure.map((e: { mesh: string; host: string; port: number }) => `${e.mesh} ${e.host}:${e.port}`)).toEqual([
      "production metrics-api.monitoring.svc.cluster.local:8080",
      "production postgres.db.svc.cluster.local:5432",
      "staging metrics-api.monitoring.svc.cluster.local:8080",
      "staging metrics-api.monitoring.svc.cluster.local:9090",
    ]);
  });

  it("reads a render --out tree (kustomization.yaml and install/ included) and says once per export that it cannot judge it without its Service", async () => {
    const out = mkdtempSync(join(tmpdir(), "meshfed-tree-"));
    expect((await runCli(["render", exampleFile, "--out", out], repoRoot)).code).toBe(0);
    const r = await runCli(["verify", "--model", exampleFile, ...meshes.flatMap((m) => ["--mesh", `${m}=${m}`]), "-o", "json"], out);
    expect(r.code).toBe(4);
    const findings: { code: string; message: string }[] = JSON.parse(r.stdout).findings;
    expect(findings.some((f) => f.code === "MF3103" || f.code === "MF3221")).toBe(false);
    expect(findings.filter((f) => f.code === "MF3223").map((f) => f.message.split(":")[0])).toEqual([
      "export production/db/postgres",
      "export production/monitoring/metrics-api",
      "export staging/monitoring/metrics-api",
    ]);
  });

  it("takes --mesh twice for one mesh: the render plus the workloads, and then judges the export", async () => {
    const out = mkdtempSync(join(tmpdir(), "meshfed-tree-"));
    expect((await runCli(["render", exampleFile, "--out", join(out, "render")], repoRoot)).code).toBe(0);
    expect((await runCli(["scenario", exampleFile, "--out", join(out, "scenario")], repoRoot)).code).toBe(0);
    // The scenario's workload files (Namespaces, Services, pods) stand for a dump of each cluster.
    const args = meshes.flatMap((m) => ["--mesh", `${m}=render/${m}`, "--mesh", `${m}=scenario/${m}/workloads.yaml`]);
    const r = await runCli(["verify", "--model", exampleFile, ...args, "-o", "json"], out);
    const findings: { code: string }[] = JSON.parse(r.stdout).findings;
    expect(findings.filter((f) => f.code === "MF3223")).toEqual([]);
  });
});
