import { Value } from "@sinclair/typebox/value";
import { beforeAll, describe, expect, it } from "vitest";
import { outputSchemas } from "../../src/cli/output-schemas.js";
import { repoRoot } from "../helpers/fixtures.js";
import { ensureNamespaces, liveFederation, rigCluster, type RigCluster, writeFederation } from "../helpers/live.js";
import { runCli } from "../helpers/run-cli.js";

// --mesh in its two forms against the rig's real production cluster: NAME (credentials from
// --kubeconfig or the defaults) and NAME=KUBECONFIG[#CONTEXT].
let production: RigCluster;
let file = "";
beforeAll(async () => {
  production = await rigCluster("production");
  await ensureNamespaces(production, ["mf1-db", "mf1-monitoring"]);
  file = writeFederation(liveFederation("mffed1", "mf1"));
});

describe("--mesh NAME=KUBECONFIG on commands for one cluster", () => {
  it("diff: the same result as --mesh NAME --kubeconfig PATH", async () => {
    const long = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "-o", "json"], repoRoot);
    const short = await runCli(["diff", file, "--mesh", `production=${production.kubeconfig}`, "-o", "json"], repoRoot);
    expect(long.code).toBe(4);
    expect(short.code).toBe(4);
    expect(short.stdout).toBe(long.stdout);
    expect([...Value.Errors(outputSchemas.diff, JSON.parse(short.stdout))].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  });

  it("apply --dry-run=server takes it too", async () => {
    const r = await runCli(["apply", file, "--mesh", `production=${production.kubeconfig}`, "--dry-run=server", "-o", "json"], repoRoot);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).dryRun).toBe(true);
    expect([...Value.Errors(outputSchemas.apply, JSON.parse(r.stdout))].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  });

  it("both forms at once is a usage error", async () => {
    const r = await runCli(["diff", file, "--mesh", `production=${production.kubeconfig}`, "--kubeconfig", production.kubeconfig], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^meshfed: error: --mesh production=.* names the kubeconfig already/);
  });

  it("doctor --mesh NAME alone: one mesh with the default kubeconfig ($KUBECONFIG)", async () => {
    const r = await runCli(["doctor", file, "--mesh", "production", "-o", "json"], repoRoot, { env: { KUBECONFIG: production.kubeconfig } });
    expect(r.code).not.toBe(2);
    expect(r.code).not.toBe(5);
    const out = JSON.parse(r.stdout);
    expect(out.checks.length).toBeGreaterThan(0);
    expect([...Value.Errors(outputSchemas.doctor, out)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    const two = await runCli(["doctor", file, "--mesh", "production", "--mesh", "operations"], repoRoot);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("expected NAME=KUBECONFIG");
  });
});
