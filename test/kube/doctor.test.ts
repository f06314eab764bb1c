import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { repoRoot } from "../helpers/fixtures.js";
import { admin, adminApply, liveFederation, privateCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { compileText, healthyMeshObjects, installHealthyMesh, setGatewayAddress } from "../helpers/live-mesh.js";
import { adminRequest, istioSystemObjects, meshRoot, rigDir } from "../rig/rig.mjs";

// doctor changes istio-system, so it gets clusters of its own: one for operations, one for production.
let ops: RigCluster & { dispose(): Promise<void> };
let prod: RigCluster & { dispose(): Promise<void> };
const text = liveFederation("docfed", "dr");
const { federation } = compileText(text);
const file = writeFederation(text);

beforeAll(async () => {
  [ops, prod] = await Promise.all([privateCluster("doctor-ops"), privateCluster("doctor-prod")]);
  await installHealthyMesh(ops, federation, "operations");
  await installHealthyMesh(prod, federation, "production");
  for (const [c, mesh] of [
    [ops, "operations"],
    [prod, "production"],
  ] as const) {
    const r = await runCli(["apply", file, "--mesh", mesh, "--kubeconfig", c.kubeconfig], repoRoot);
    if (r.code !== 0) throw new Error(r.stderr);
  }
});
afterAll(async () => {
  await Promise.all([ops?.dispose(), prod?.dispose()]);
});

const doctor = (...extra: string[]) =>
  runCli(["doctor", file, "--mesh", `operations=${ops.kubeconfig}`, "--mesh", `production=${prod.kubeconfig}`, ...extra], repoRoot);

async function failing(): Promise<{ code: number; failed: string[]; json: any }> {
  const r = await doctor("-o", "json");
  const json = JSON.parse(r.stdout);
  return { code: r.code, failed: json.checks.filter((c: any) => c.status === "fail").map((c: any) => `${c.mesh} ${c.code}`), json };
}

/** Re-applies the healthy state (same field manager, so fields a break added go away). */
async function restore(): Promise<void> {
  for (const { obj, plural } of healthyMeshObjects(federation, "production")) await adminApply(prod, obj, plural);
  for (const obj of istioSystemObjects("doctor-prod", meshRoot()).filter((o) => o.kind !== "ConfigMap" || o.metadata.name !== "istio")) {
    await adminApply(prod, obj, obj.kind === "Deployment" ? "deployments" : obj.kind === "Namespace" ? "namespaces" : "configmaps", "meshfed-rig");
  }
  await setGatewayAddress(prod, "istio-system", "ew.production.nrc.example");
}

describe("meshfed doctor", () => {
  it("passes every check on a healthy pair of meshes, linkerd-check style", async () => {
    const r = await doctor();
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("×");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("√ can reach the Kubernetes API");
    expect(r.stdout).toContain("√ the mesh config's trust domain is production.nrc.internal");
    expect(r.stdout).toContain("√ live resources equal the render");
    expect(r.stdout).toMatch(/Status check results are √\n$/);
    const { json } = await failing();
    expect(json.checks.filter((c: any) => c.status !== "ok")).toEqual([]);
    expect(json.checks.length).toBe(26);
  });

  const meshConfig = (extra: Record<string, unknown>) => async () => {
    const install = healthyMeshObjects(federation, "production").find((o) => o.obj.kind === "ConfigMap")!;
    const { parse, stringify } = await import("yaml");
    const mc = { ...parse(install.obj.data.mesh), ...extra };
    await adminApply(prod, { ...install.obj, data: { ...install.obj.data, mesh: stringify(mc) } }, "configmaps");
  };
  const istiod = (mutate: (d: any) => void) => async () => {
    const d = structuredClone(istioSystemObjects("doctor-prod", meshRoot()).find((o) => o.kind === "Deployment")!);
    mutate(d);
    await adminApply(prod, d, "deployments", "meshfed-rig");
  };

  it.each([
    [
      "MF4102",
      "a CRD meshfed writes is missing",
      async () => admin(prod, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/peerauthentications.security.istio.io"),
    ],
    ["MF4103", "istiod is older than 1.22", istiod((d) => (d.spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.20.3"))],
    ["MF4104", "the trust domain is Istio's default", meshConfig({ trustDomain: "cluster.local" })],
    [
      "MF4105",
      "the mesh accepts a trust domain nobody consumes from",
      meshConfig({ caCertificates: [{ trustDomains: ["operations.nrc.internal", "staging.nrc.internal"] }] }),
    ],
    ["MF4106", "trustDomainAliases are set", meshConfig({ trustDomainAliases: ["operations.nrc.internal"] })],
    [
      "MF4107",
      "istiod skips trust-domain validation",
      istiod((d) => d.spec.template.spec.containers[0].env.push({ name: "PILOT_SKIP_VALIDATE_TRUST_DOMAIN", value: "true" })),
    ],
    [
      "MF4108",
      "production's root certificate is another CA",
      async () => {
        const other = readFileSync(`${rigDir()}/doctor-ops/pki/ca.crt`, "utf8");
        await adminApply(
          prod,
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "istio-ca-root-cert", namespace: "istio-system" },
            data: { "root-cert.pem": other },
          } as never,
          "configmaps",
          "meshfed-rig",
        );
      },
    ],
    [
      "MF4109",
      "the east-west gateway also publishes istiod's ports, as the samples do",
      async () => {
        const svc = healthyMeshObjects(federation, "production").find((o) => o.obj.metadata.name === "istio-eastwestgateway")!.obj;
        await adminApply(
          prod,
          {
            ...svc,
            spec: {
              ...svc.spec,
              ports: [...svc.spec.ports, { name: "tls-istiod", port: 15012, targetPort: 15012 }, { name: "tls-webhook", port: 15017, targetPort: 15017 }],
            },
          },
          "services",
        );
      },
    ],
    ["MF4109", "the east-west gateway has another address", () => setGatewayAddress(prod, "istio-system", "10.99.0.1")],
    [
      "MF4110",
      "the samples' cross-network-gateway serves *.local",
      async () => {
        await adminApply(
          prod,
          {
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name: "cross-network-gateway", namespace: "istio-system" },
            spec: {
              selector: { istio: "eastwestgateway" },
              servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
            },
          } as never,
          "gateways",
        );
      },
    ],
    [
      "MF4111",
      "the exported postgres has no sidecar",
      async () => {
        await admin(prod, "DELETE", "/api/v1/namespaces/dr-db/pods/postgres-0");
        const p = healthyMeshObjects(federation, "production").find((o) => o.obj.metadata.name === "postgres-0")!.obj;
        await adminApply(prod, { ...p, spec: { ...p.spec, containers: p.spec.containers.filter((c: any) => c.name !== "istio-proxy") } }, "pods");
      },
    ],
    [
      "MF4111",
      "an exported Service lacks its port",
      async () => {
        const s = healthyMeshObjects(federation, "production").find((o) => o.obj.kind === "Service" && o.obj.metadata.name === "postgres")!.obj;
        await adminApply(prod, { ...s, spec: { ...s.spec, ports: [{ name: "tcp-6432", port: 6432, targetPort: 6432 }] } }, "services");
      },
    ],
    [
      "MF4113",
      "someone edited meshfed's PeerAuthentication",
      async () => {
        await adminApply(
          prod,
          {
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "meshfed-postgres", namespace: "dr-db" },
            spec: { mtls: { mode: "PERMISSIVE" } },
          } as never,
          "peerauthentications",
          "kubectl-edit",
        );
      },
    ],
  ])("%s fails when %s, and passes again once fixed", async (code, _what, brk) => {
    // The root certificate is compared across meshes: both sides see the mismatch.
    const expected = code === "MF4108" ? ["operations MF4108", "production MF4108"] : [`production ${code}`];
    try {
      await brk();
      const broken = await failing();
      expect(broken.failed).toEqual(expected);
      expect(broken.code).toBe(4);
      const check = broken.json.checks.find((c: any) => c.code === code && c.mesh === "production");
      expect(check.hint).toBeTruthy();
      expect(check.docs).toBe(`docs/diagnostics.md#${code.toLowerCase()}`);
      const text = await doctor();
      expect(text.stdout).toContain(`    ${code}: `);
      expect(text.stdout).toContain(`Status check results are × (${expected.length} failed)`);
    } finally {
      await fixAfter(code);
    }
    expect((await failing()).failed).toEqual([]);
  });

  it("MF4112 fails for the consumer mesh when a consumer namespace is not injected", async () => {
    await adminApply(
      ops,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "dr-vault", labels: { "istio-injection": "disabled" } } } as never,
      "namespaces",
    );
    expect((await failing()).failed).toEqual(["operations MF4112"]);
    await adminApply(
      ops,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "dr-vault", labels: { "istio-injection": "enabled" } } } as never,
      "namespaces",
    );
    expect((await failing()).failed).toEqual([]);
  });

  it("MF4101: an unreachable API server fails its mesh, skips the rest, and exits 5", async () => {
    const kc = readFileSync(prod.kubeconfig, "utf8").replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1");
    const dead = `${rigDir()}/doctor-dead.kubeconfig`;
    writeFileSync(dead, kc);
    const r = await runCli(["doctor", file, "--mesh", `production=${dead}`, "-o", "json"], repoRoot);
    expect(r.code).toBe(5);
    const checks = JSON.parse(r.stdout).checks;
    expect(checks[0]).toMatchObject({ code: "MF4101", status: "fail" });
    expect(checks[0].detail).toContain("ECONNREFUSED");
    expect(checks.slice(1).every((c: any) => c.status === "skipped")).toBe(true);
  });
});

/** Undoes what each break did. */
async function fixAfter(code: string): Promise<void> {
  if (code === "MF4102") {
    // CRD deletion finishes asynchronously (its objects are removed first): wait, then reinstall.
    const deadline = Date.now() + 30_000;
    while (
      (await adminRequest("doctor-prod", "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/peerauthentications.security.istio.io")).status !== 404
    ) {
      if (Date.now() > deadline) throw new Error("CRD not deleted after 30s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const { bootstrapIstio } = await import("../rig/rig.mjs");
    await bootstrapIstio("doctor-prod");
  }
  if (code === "MF4110") await admin(prod, "DELETE", "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/cross-network-gateway");
  if (code === "MF4111") await admin(prod, "DELETE", "/api/v1/namespaces/dr-db/pods/postgres-0");
  await restore();
  if (code === "MF4102" || code === "MF4113") {
    const r = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", prod.kubeconfig, "--force-conflicts"], repoRoot);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}
