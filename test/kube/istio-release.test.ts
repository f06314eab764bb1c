import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { repoRoot } from "../helpers/fixtures.js";
import { crdsServingNoV1 } from "../helpers/istio-crds.js";
import { admin, adminApply, listIstio, privateCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { compileText, installHealthyMesh } from "../helpers/live-mesh.js";
import { adminRequest, istioCrds, istioSystemObjects, meshRoot } from "../rig/rig.mjs";

// A production cluster that runs Istio 1.9.1: its API server serves the Istio kinds only as
// v1alpha3/v1beta1 (crdsServingNoV1), its istiod is 1.9.1 with PILOT_SKIP_VALIDATE_TRUST_DOMAIN,
// as meshfed's install values for that release set it.
const federationText = (istioVersion: string | undefined, exportPostgres = true) => `apiVersion: meshfed.dev/v1alpha1
kind: MeshFederation
metadata:
  name: relfed
spec:
  meshes:
    - name: operations
      trustDomain: operations.nrc.internal
    - name: production
      trustDomain: production.nrc.internal
${istioVersion !== undefined ? `      istioVersion: "${istioVersion}"\n` : ""}      eastWestGateway:
        address: 10.20.0.10
  exports:${
    exportPostgres
      ? `
    - service: production/rel-db/postgres
      ports: [{number: 5432}]
      consumers:
        - principal: operations/rel-vault/vault`
      : " []"
  }
`;
const file = writeFederation(federationText("1.9.1"));
const { federation } = compileText(federationText("1.9.1"));
let prod: RigCluster & { dispose(): Promise<void> };
// operations runs the default release (v1), with meshfed's render applied.
let ops: RigCluster & { dispose(): Promise<void> };

const istiodObject = (mutate: (d: any) => void) => {
  const d = structuredClone(istioSystemObjects("release-prod", meshRoot()).find((o: any) => o.kind === "Deployment")!);
  const c = d.spec.template.spec.containers[0];
  c.image = "docker.io/istio/pilot:1.9.1";
  c.env.push({ name: "PILOT_SKIP_VALIDATE_TRUST_DOMAIN", value: "true" });
  mutate(d);
  return d;
};
const setIstiod = (mutate: (d: any) => void = () => {}) => adminApply(prod, istiodObject(mutate), "deployments", "meshfed-rig");

beforeAll(async () => {
  [prod, ops] = await Promise.all([privateCluster("release-prod"), privateCluster("release-ops")]);
  await installHealthyMesh(ops, federation, "operations");
  const applied = await runCli(["apply", file, "--mesh", "operations", "--kubeconfig", ops.kubeconfig], repoRoot);
  if (applied.code !== 0) throw new Error(applied.stderr);
  for (const crd of crdsServingNoV1(istioCrds())) await adminApply(prod, crd as never, "customresourcedefinitions", "meshfed-rig");
  // Discovery follows the CRDs asynchronously: wait until no Istio group serves v1.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [net, sec] = await Promise.all(["networking", "security"].map((g) => adminRequest("release-prod", "GET", `/apis/${g}.istio.io/v1`)));
    if (net!.status === 404 && sec!.status === 404) break;
    if (Date.now() > deadline) throw new Error("the Istio groups still serve v1");
    await new Promise((r) => setTimeout(r, 200));
  }
  // Changing the storage version re-initializes the storage: wait until v1beta1 answers.
  while ((await adminRequest("release-prod", "GET", "/apis/security.istio.io/v1beta1/peerauthentications"))!.status !== 200) {
    if (Date.now() > deadline) throw new Error("security.istio.io/v1beta1 does not answer");
    await new Promise((r) => setTimeout(r, 200));
  }
  await installHealthyMesh(prod, federation, "production");
  // What the kubelet would report: the exported pod runs, so the gateway has an endpoint.
  await admin(
    prod,
    "PATCH",
    "/api/v1/namespaces/rel-db/pods/postgres-0/status",
    { status: { phase: "Running", podIP: "10.2.0.5", podIPs: [{ ip: "10.2.0.5" }], conditions: [{ type: "Ready", status: "True" }] } },
    [200],
    "application/merge-patch+json",
  );
  await setIstiod();
}, 120_000);
afterAll(async () => {
  await Promise.all([prod?.dispose(), ops?.dispose()]);
});

const doctorJson = async () => {
  const r = await runCli(["doctor", file, "--mesh", `production=${prod.kubeconfig}`, "-o", "json"], repoRoot);
  return { code: r.code, checks: JSON.parse(r.stdout).checks as any[] };
};

describe("a mesh on Istio 1.9.1 (istioVersion) against a cluster that serves no v1", () => {
  it("without istioVersion, apply is refused by the API server: v1 is not served (why the release must be declared)", async () => {
    const r = await runCli(["apply", writeFederation(federationText(undefined)), "--mesh", "production", "--kubeconfig", prod.kubeconfig], repoRoot);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("security.istio.io/v1");
    expect(await listIstio(prod, "security.istio.io/v1beta1", "peerauthentications", "rel-db")).toEqual([]);
  });

  it("apply writes v1beta1 objects, policy and exposure, and diff finds them in sync", async () => {
    const r = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", prod.kubeconfig], repoRoot);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const gateways = await listIstio(prod, "networking.istio.io/v1beta1", "gateways", "istio-system");
    expect(gateways.map((g) => g.spec.servers[0].hosts)).toEqual([["postgres.rel-db.svc.cluster.local"]]);
    const guards = await listIstio(prod, "security.istio.io/v1beta1", "authorizationpolicies", "rel-db");
    expect(guards.map((g) => g.metadata.name)).toEqual(["meshfed-postgres-guard"]);
    const d = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", prod.kubeconfig], repoRoot);
    expect(d.stdout).toBe("production: in sync\n");
    expect(d.code).toBe(0);
  });

  it("verify --live reads production's v1beta1 and operations' v1 objects: the audit passes, postgres admits vault only", async () => {
    const r = await runCli(
      ["verify", "--model", file, "--live", `production=${prod.kubeconfig}`, "--live", `operations=${ops.kubeconfig}`, "-o", "json"],
      repoRoot,
    );
    const exposure = JSON.parse(r.stdout).exposure as { mesh: string; host: string; port: number; admits: string[] }[];
    expect(exposure).toEqual([
      { mesh: "production", host: "postgres.rel-db.svc.cluster.local", port: 5432, admits: ["operations.nrc.internal/ns/rel-vault/sa/vault"] },
    ]);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("doctor checks the declared release: v1beta1 CRDs, istiod 1.9.1, trust-domain validation skipped", async () => {
    const { code, checks } = await doctorJson();
    expect(checks.filter((c) => c.status !== "ok")).toEqual([]);
    expect(code).toBe(0);
    const byCode = (c: string) => checks.find((x) => x.code === c);
    expect(byCode("MF4102").check).toBe("Istio's CRDs that meshfed writes serve security.istio.io/v1beta1, networking.istio.io/v1beta1");
    expect(byCode("MF4103")).toMatchObject({ check: "istiod runs Istio 1.9.1, as the federation file declares", detail: "Istio 1.9.1" });
    expect(byCode("MF4107").check).toMatch(/^istiod skips trust-domain validation \(Istio 1\.9\.1 cannot accept only operations\.nrc\.internal/);
    expect(byCode("MF4113").status).toBe("ok");
  });

  it.each([
    [
      "MF4107",
      "fail",
      "istiod does not skip trust-domain validation",
      (d: any) =>
        (d.spec.template.spec.containers[0].env = d.spec.template.spec.containers[0].env.filter((e: any) => e.name !== "PILOT_SKIP_VALIDATE_TRUST_DOMAIN")),
    ],
    ["MF4103", "fail", "istiod is older than the declared release", (d: any) => (d.spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.9.0")],
    ["MF4103", "warning", "istiod runs another release line", (d: any) => (d.spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.20.3")],
  ])("doctor: %s %s when %s", async (code, status, _what, mutate) => {
    await setIstiod(mutate);
    try {
      const { checks } = await doctorJson();
      expect(checks.filter((c) => c.status !== "ok").map((c) => `${c.code} ${c.status}`)).toEqual([`${code} ${status}`]);
    } finally {
      await setIstiod();
    }
  });

  it("doctor: MF4105 fails when the 1.9.1 mesh config lists caCertificates trust domains (1.9.1 does not validate with them)", async () => {
    const { healthyMeshObjects } = await import("../helpers/live-mesh.js");
    const { parse, stringify } = await import("yaml");
    const cm = healthyMeshObjects(federation, "production").find((o) => o.obj.kind === "ConfigMap")!.obj;
    const withCa = { ...parse(cm.data.mesh), caCertificates: [{ trustDomains: ["operations.nrc.internal"] }] };
    await adminApply(prod, { ...cm, data: { ...cm.data, mesh: stringify(withCa) } }, "configmaps");
    try {
      const { checks } = await doctorJson();
      const failed = checks.filter((c) => c.status !== "ok");
      expect(failed.map((c) => `${c.code} ${c.status}`)).toEqual(["MF4105 fail"]);
      expect(failed[0].check).toBe("the mesh config lists no caCertificates trust domains (Istio 1.9.1 does not validate with them)");
    } finally {
      await adminApply(prod, cm, "configmaps");
    }
  });

  it("apply --prune removes the v1beta1 objects of an export that was dropped", async () => {
    const r = await runCli(
      ["apply", writeFederation(federationText("1.9.1", false)), "--mesh", "production", "--kubeconfig", prod.kubeconfig, "--prune"],
      repoRoot,
    );
    expect(r.code).toBe(0);
    expect(await listIstio(prod, "networking.istio.io/v1beta1", "gateways", "istio-system")).toEqual([]);
    expect(await listIstio(prod, "security.istio.io/v1beta1", "authorizationpolicies", "rel-db")).toEqual([]);
    // The cluster itself still refuses v1: nothing above went through it.
    await expect(admin(prod, "GET", "/apis/networking.istio.io/v1")).rejects.toThrow(/404/);
  });
});
