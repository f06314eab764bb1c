import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import {
  adminApply,
  ensureNamespaces,
  liveFederation,
  listIstio,
  rigCluster,
  watchCollection,
  writeFederation,
  type RigCluster,
  type WatchEvent,
} from "../helpers/live.js";
import { repoRoot } from "../helpers/fixtures.js";
import { main } from "../../src/cli/main.js";

// Against the rig's real production cluster; every test uses namespaces of its own prefix.
let production: RigCluster;
beforeAll(async () => {
  production = await rigCluster("production");
});

const apply = (file: string, ...args: string[]) => runCli(["apply", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, ...args], repoRoot);

async function prepare(prefix: string): Promise<void> {
  await ensureNamespaces(production, [`${prefix}-db`, `${prefix}-monitoring`]);
}

describe("meshfed apply", () => {
  it("server-side applies the mesh's render as field manager meshfed, with ownership labels, and converges", async () => {
    await prepare("ap1");
    const file = writeFederation(liveFederation("apfed1", "ap1"));
    const first = await apply(file);
    expect(first.stderr).toContain("production: 6 object(s) applied");
    expect(first.code).toBe(0);
    const policies = await listIstio(production, "security.istio.io/v1", "authorizationpolicies", "ap1-db");
    expect(policies.map((p) => p.metadata.name)).toEqual(["meshfed-postgres-guard"]);
    const labels = policies[0].metadata.labels;
    expect(labels).toMatchObject({ "app.kubernetes.io/managed-by": "meshfed", "meshfed.dev/federation": "apfed1", "meshfed.dev/mesh": "production" });
    expect(policies[0].metadata.managedFields.map((m: any) => [m.manager, m.operation])).toEqual([["meshfed", "Apply"]]);
    const again = await apply(file);
    expect(again.code).toBe(0);
    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig], repoRoot);
    expect(diff.stdout).toBe("production: in sync\n");
    expect(diff.code).toBe(0);
  });

  it("--dry-run=server stores nothing and says what would be applied", async () => {
    await prepare("ap2");
    const file = writeFederation(liveFederation("apfed2", "ap2"));
    const r = await apply(file, "--dry-run=server", "-o", "json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.applied).toContain("AuthorizationPolicy ap2-db/meshfed-postgres-guard");
    expect(await listIstio(production, "security.istio.io/v1", "authorizationpolicies", "ap2-db")).toEqual([]);
  });

  it("never exposes a host without its policy: the API server's own event order, adding then removing", async () => {
    await prepare("ap3");
    const selector = encodeURIComponent("meshfed.dev/federation=apfed3");
    const watches = [
      watchCollection(production, `/apis/networking.istio.io/v1/gateways?labelSelector=${selector}`),
      watchCollection(production, `/apis/security.istio.io/v1/authorizationpolicies?labelSelector=${selector}`),
      watchCollection(production, `/apis/security.istio.io/v1/peerauthentications?labelSelector=${selector}`),
    ];
    await Promise.all(watches.map((w) => w.ready));
    const file = writeFederation(liveFederation("apfed3", "ap3"));
    expect((await apply(file, "--concurrency", "16")).code).toBe(0);
    // Remove production's metrics-api export: its Gateway must go before its policy.
    const smaller = writeFederation(liveFederation("apfed3", "ap3").replace(/ {4}- service: production\/ap3-monitoring\/metrics-api[\s\S]*$/, ""));
    const pruned = await apply(smaller, "--prune", "--concurrency", "16");
    expect(pruned.code).toBe(0);
    expect(pruned.stderr).toContain("3 pruned");
    await waitFor(() => watches.flatMap((w) => w.events).filter((e) => e.type === "DELETED").length >= 3);
    for (const w of watches) w.stop();
    const events = watches.flatMap((w) => w.events).sort((a, b) => Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion));
    expect(events.filter((e) => e.type === "ADDED").length).toBe(6);
    expect(exposedWithoutPolicy(events)).toEqual([]);
  });

  it("reports a conflict with another field manager, naming both, and changes nothing until --force-conflicts", async () => {
    await prepare("ap4");
    const file = writeFederation(liveFederation("apfed4", "ap4"));
    expect((await apply(file)).code).toBe(0);
    const pa = (await listIstio(production, "security.istio.io/v1", "peerauthentications", "ap4-db"))[0];
    await adminApply(
      production,
      {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: pa.metadata.name, namespace: "ap4-db" },
        spec: { mtls: { mode: "PERMISSIVE" } },
      } as never,
      "peerauthentications",
      "kubectl-edit",
    );
    const r = await apply(file);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `MF4002: PeerAuthentication ap4-db/meshfed-postgres: conflict: field manager "meshfed" would change .spec.mtls.mode (owned by field manager "kubectl-edit")`,
    );
    expect((await listIstio(production, "security.istio.io/v1", "peerauthentications", "ap4-db"))[0].spec.mtls.mode).toBe("PERMISSIVE");
    // The Gateway comes after the policy step that failed: not written.
    expect(r.stderr).toMatch(/not done: .*apply Gateway istio-system\/meshfed-ap4-db-postgres/);
    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "-o", "json"], repoRoot);
    expect(diff.code).toBe(4);
    expect(JSON.parse(diff.stdout).objects).toEqual([
      { ref: "PeerAuthentication ap4-db/meshfed-postgres", status: "changed", fields: [{ path: ".spec.mtls.mode", live: "PERMISSIVE", desired: "STRICT" }] },
    ]);
    const forced = await apply(file, "--force-conflicts");
    expect(forced.code).toBe(0);
    expect((await listIstio(production, "security.istio.io/v1", "peerauthentications", "ap4-db"))[0].spec.mtls.mode).toBe("STRICT");
  });

  it("--prune deletes only this federation's objects of this mesh that are no longer rendered", async () => {
    await prepare("ap5");
    const file = writeFederation(liveFederation("apfed5", "ap5"));
    expect((await apply(file)).code).toBe(0);
    const labelled = (federation: string, mesh: string) => ({
      "app.kubernetes.io/managed-by": "meshfed",
      "meshfed.dev/federation": federation,
      "meshfed.dev/mesh": mesh,
    });
    const policy = (name: string, labels: Record<string, string>) => ({
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: { name, namespace: "ap5-db", labels },
      spec: { action: "DENY", rules: [{}] },
    });
    await adminApply(production, policy("foreign", {}) as never, "authorizationpolicies");
    await adminApply(production, policy("other-federation", labelled("otherfed", "production")) as never, "authorizationpolicies");
    await adminApply(production, policy("other-mesh", labelled("apfed5", "staging")) as never, "authorizationpolicies");
    await adminApply(production, policy("stale", labelled("apfed5", "production")) as never, "authorizationpolicies");
    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig], repoRoot);
    expect(diff.code).toBe(4);
    expect(diff.stdout).toContain("- AuthorizationPolicy ap5-db/stale (no longer rendered; apply --prune deletes it)");
    const r = await apply(file, "--prune", "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).pruned).toEqual(["AuthorizationPolicy ap5-db/stale"]);
    const names = (await listIstio(production, "security.istio.io/v1", "authorizationpolicies", "ap5-db")).map((p) => p.metadata.name).sort();
    expect(names).toEqual(["foreign", "meshfed-postgres-guard", "other-federation", "other-mesh"]);
  });

  it("prints a progress line per step on a terminal, and none when stderr is not one", async () => {
    await prepare("ap7");
    const file = writeFederation(liveFederation("apfed7", "ap7"));
    let tty = "";
    const argv = ["apply", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "--dry-run=server"];
    const code = await main(argv, {
      stdout: { write: () => true },
      stderr: { isTTY: true, write: (s: string) => (tty += s) } as never,
      cwd: repoRoot,
      env: {},
    });
    expect(code).toBe(0);
    expect(tty).toContain("production: applying 4 policy object(s) (server dry run)\nproduction: applying 2 exposure object(s) (server dry run)\n");
    const piped = await apply(file, "--dry-run=server");
    expect(piped.stderr).not.toContain("applying 4 policy");
  });

  it("diff shows objects to create field by field and exits 4; a usage error for an unknown mesh", async () => {
    await prepare("ap6");
    const file = writeFederation(liveFederation("apfed6", "ap6"));
    const r = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "-o", "json"], repoRoot);
    expect(r.code).toBe(4);
    const objects = JSON.parse(r.stdout).objects;
    expect(objects.map((o: any) => o.status)).toEqual(["created", "created", "created", "created", "created", "created"]);
    expect(objects.find((o: any) => o.ref === "PeerAuthentication ap6-db/meshfed-postgres").fields).toContainEqual({
      path: ".spec.mtls.mode",
      desired: "STRICT",
    });
    const bad = await runCli(["diff", file, "--mesh", "nowhere", "--kubeconfig", production.kubeconfig], repoRoot);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--mesh nowhere: no such mesh");
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for watch events");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Replays the API server's events in resourceVersion order and returns every moment a
 * Gateway routed an export whose AuthorizationPolicy or PeerAuthentication did not exist.
 */
function exposedWithoutPolicy(events: readonly WatchEvent[]): string[] {
  const live = new Map<string, any>();
  const problems: string[] = [];
  for (const e of events) {
    const key = `${e.object.kind} ${e.object.metadata.namespace}/${e.object.metadata.name}`;
    if (e.type === "DELETED") live.delete(key);
    else live.set(key, e.object);
    const present = (kind: string, exportLabel: string) =>
      [...live.values()].some((o) => o.kind === kind && o.metadata.labels["meshfed.dev/export"] === exportLabel);
    for (const gw of [...live.values()].filter((o) => o.kind === "Gateway")) {
      const exp = gw.metadata.labels["meshfed.dev/export"];
      if (!present("AuthorizationPolicy", exp) || !present("PeerAuthentication", exp))
        problems.push(`rv ${e.object.metadata.resourceVersion}: ${exp} exposed without its policy`);
    }
  }
  return problems;
}
