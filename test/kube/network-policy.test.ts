import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { ensureNamespaces, liveFederation, listIstio, rigCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { repoRoot } from "../helpers/fixtures.js";

// Against the rig's real production API server: it validates the NetworkPolicy with
// Kubernetes' own rules (ipBlock CIDRs, ports) and stores it; namespaces of this file's prefix.
let production: RigCluster;
beforeAll(async () => {
  production = await rigCluster("production");
});

/** The live federation with operations' egressCIDRs declared. */
const withEgress = (name: string, prefix: string, cidrs: string) =>
  liveFederation(name, prefix).replace(
    "      trustDomain: operations.nrc.internal\n",
    `      trustDomain: operations.nrc.internal\n      egressCIDRs: ${cidrs}\n`,
  );

describe("meshfed apply: the east-west gateway's NetworkPolicy", () => {
  it("applies it in the policy phase, the API server accepts it, and prune removes it when egressCIDRs go", async () => {
    await ensureNamespaces(production, ["np1-db", "np1-monitoring", "istio-system"]);
    const file = writeFederation(withEgress("npfed1", "np1", '["10.10.0.0/16", "2001:db8::/48"]'));
    const r = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", production.kubeconfig, "-o", "json"], repoRoot);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const applied: string[] = out.applied;
    const np = "NetworkPolicy istio-system/meshfed-npfed1-eastwestgateway";
    expect(applied).toContain(np);
    // Policy before exposure: the NetworkPolicy is written before the Gateway.
    const gateway = applied.find((a) => a.startsWith("Gateway "));
    expect(gateway).toBeDefined();
    expect(applied.indexOf(np)).toBeLessThan(applied.indexOf(gateway!));
    const stored = (await listIstio(production, "networking.k8s.io/v1", "networkpolicies", "istio-system", "meshfed.dev/federation=npfed1"))[0];
    expect(stored.spec.ingress[0].from.map((f: { ipBlock: { cidr: string } }) => f.ipBlock.cidr)).toEqual(["10.10.0.0/16", "2001:db8::/48"]);
    expect(stored.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 15443 }]);
    expect(stored.spec.ingress[1]).toEqual({ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 15021 }] });
    expect(stored.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(["meshfed"]);

    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", production.kubeconfig], repoRoot);
    expect(diff.stdout).toBe("production: in sync\n");

    // Without egressCIDRs the federation no longer restricts the source: prune deletes the policy.
    const open = writeFederation(liveFederation("npfed1", "np1"));
    const pruned = await runCli(["apply", open, "--mesh", "production", "--kubeconfig", production.kubeconfig, "--prune", "-o", "json"], repoRoot);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout).pruned).toContain(np);
    expect(await listIstio(production, "networking.k8s.io/v1", "networkpolicies", "istio-system", "meshfed.dev/federation=npfed1")).toEqual([]);
  });
});
