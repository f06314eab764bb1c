import { beforeAll, describe, expect, it, vi } from "vitest";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";
import { ensureNamespaces, liveFederation, listIstio, rigCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * apply's refusal when the least-privilege audit of the render has findings (MF4001). meshfed's
 * compiler never produces such a render (the property tests prove it), so the audit's answer is
 * replaced here; what is tested is apply's own behaviour on that answer, against the real rig
 * cluster: nothing is written without --force, and --force writes and says so.
 */
vi.mock("../../src/kube/audit-render.js", () => ({
  auditRender: () => [
    diagnostic("MF3222", { problem: "not-exported", mesh: "production", host: "redis.cache.svc.cluster.local", port: 6379, admits: ["*"] }, {}),
  ],
}));

let production: RigCluster;
beforeAll(async () => {
  production = await rigCluster("production");
});

describe("meshfed apply with audit findings", () => {
  it("refuses (MF4001, exit 4) and writes nothing; --force applies and says so", async () => {
    // Namespaces of this run only: the rig may keep objects of an earlier run.
    const prefix = `aa${process.pid}`;
    await ensureNamespaces(production, [`${prefix}-db`, `${prefix}-monitoring`]);
    const file = writeFederation(liveFederation("aafed1", prefix));
    const refused = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", production.kubeconfig], repoRoot);
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain("MF3222");
    expect(refused.stderr).toContain("MF4001: nothing applied");
    expect(await listIstio(production, "security.istio.io/v1", "authorizationpolicies", `${prefix}-db`)).toEqual([]);

    const forced = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "--force"], repoRoot);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain("--force: applying to production DESPITE 1 least-privilege finding(s)");
    const policies = await listIstio(production, "security.istio.io/v1", "authorizationpolicies", `${prefix}-db`);
    expect(policies.map((p) => p.metadata.name)).toEqual(["meshfed-postgres-guard"]);
  });
});
