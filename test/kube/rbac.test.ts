import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { repoRoot } from "../helpers/fixtures.js";
import { admin, adminApply, liveFederation, privateCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { compileText, installHealthyMesh } from "../helpers/live-mesh.js";
import { KubeApiError, KubeClient } from "../../src/kube/client.js";
import { readLiveMesh } from "../../src/kube/live-reader.js";
import { rigDir } from "../rig/rig.mjs";

// The test installs a healthy mesh config, so it has a cluster of its own.
let cluster: RigCluster & { dispose(): Promise<void> };
const text = liveFederation("rbfed", "rb");
const { federation } = compileText(text);
const file = writeFederation(text);
let tokenKubeconfig: string;

const plurals: Record<string, string> = { ClusterRole: "clusterroles", ClusterRoleBinding: "clusterrolebindings", Role: "roles", RoleBinding: "rolebindings" };

beforeAll(async () => {
  cluster = await privateCluster("rbac");
  await installHealthyMesh(cluster, federation, "production");
  await adminApply(cluster, { apiVersion: "v1", kind: "Namespace", metadata: { name: "meshfed" } }, "namespaces");
  await adminApply(cluster, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "meshfed", namespace: "meshfed" } }, "serviceaccounts");
  const rbac = await runCli(["rbac", file, "--mesh", "production", "--service-account", "meshfed/meshfed"], repoRoot);
  if (rbac.code !== 0) throw new Error(rbac.stderr);
  for (const doc of parseAllDocuments(rbac.stdout)) {
    const obj = doc.toJSON();
    await adminApply(cluster, obj, plurals[obj.kind]!);
  }
  // A short-lived token for the ServiceAccount, as `kubectl create token` gets one.
  const tr = await admin(cluster, "POST", "/api/v1/namespaces/meshfed/serviceaccounts/meshfed/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  const adminKc = readFileSync(cluster.kubeconfig, "utf8");
  const server = /server: (\S+)/.exec(adminKc)![1];
  const ca = /certificate-authority-data: (\S+)/.exec(adminKc)![1];
  tokenKubeconfig = `${rigDir()}/rbac-token.kubeconfig`;
  writeFileSync(
    tokenKubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: rbac\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: meshfed\n  user:\n    token: ${tr.status.token}\ncontexts:\n- name: meshfed\n  context:\n    cluster: rbac\n    user: meshfed\ncurrent-context: meshfed\n`,
  );
});
afterAll(async () => {
  await cluster?.dispose();
});

describe("meshfed rbac", () => {
  it("prints Roles per rendered namespace, a read-only ClusterRole and their bindings, deterministically", async () => {
    const a = await runCli(["rbac", file, "--mesh", "production", "-o", "json"], repoRoot);
    const b = await runCli(["rbac", file, "--mesh", "production", "-o", "json"], repoRoot);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const items = JSON.parse(a.stdout).items;
    expect(items.map((o: any) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "ClusterRole /meshfed-rbfed-production-read",
      "ClusterRoleBinding /meshfed-rbfed-production-read",
      "Role istio-system/meshfed-rbfed-production",
      "RoleBinding istio-system/meshfed-rbfed-production",
      "Role rb-db/meshfed-rbfed-production",
      "RoleBinding rb-db/meshfed-rbfed-production",
      "Role rb-monitoring/meshfed-rbfed-production",
      "RoleBinding rb-monitoring/meshfed-rbfed-production",
    ]);
    const rules = items.flatMap((o: any) => o.rules ?? []);
    expect(rules.some((r: any) => r.resources.includes("secrets"))).toBe(false);
    const writeGroups = new Set(
      rules.filter((r: any) => r.verbs.some((v: string) => ["create", "patch", "delete", "update"].includes(v))).flatMap((r: any) => r.apiGroups),
    );
    expect([...writeGroups].sort()).toEqual(["networking.istio.io", "security.istio.io"]);
  });

  it("a ServiceAccount with exactly that runs apply, diff, doctor and the live reader with its token", async () => {
    const applied = await runCli(["apply", file, "--mesh", "production", "--kubeconfig", tokenKubeconfig, "--prune"], repoRoot);
    expect(applied.stderr).toContain("production: 6 object(s) applied, 0 pruned");
    expect(applied.code).toBe(0);
    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", tokenKubeconfig], repoRoot);
    expect(diff.stdout).toBe("production: in sync\n");
    expect(diff.code).toBe(0);
    const doctor = await runCli(["doctor", file, "--mesh", `production=${tokenKubeconfig}`], repoRoot);
    expect(doctor.stdout).not.toContain("×");
    expect(doctor.code).toBe(0);
    const client = await KubeClient.connect({ kubeconfig: tokenKubeconfig });
    const live = await readLiveMesh(client, "production");
    const rendered = compileText(text).compiled.meshes.find((m) => m.mesh === "production")!.resources;
    const gatewayNames = rendered.filter((r) => r.kind === "Gateway").map((r) => r.metadata.name);
    expect(gatewayNames).toHaveLength(2);
    expect(live.resources.filter((r) => r.kind === "Gateway").map((r) => r.metadata.name)).toEqual(gatewayNames.sort());
    expect(live.meshConfig.trustDomain).toBe("production.nrc.internal");
    expect(live.rootCertFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each([
    ["read a Secret", "GET", "/api/v1/namespaces/istio-system/secrets/cacerts", undefined],
    ["list Secrets anywhere", "GET", "/api/v1/secrets", undefined],
    [
      "write a ConfigMap in a rendered namespace",
      "POST",
      "/api/v1/namespaces/rb-db/configmaps",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
    ],
    [
      "write a VirtualService (not a kind meshfed writes)",
      "POST",
      "/apis/networking.istio.io/v1/namespaces/rb-db/virtualservices",
      { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "x" }, spec: { hosts: ["x"] } },
    ],
    [
      "write a Gateway outside the rendered namespaces",
      "POST",
      "/apis/networking.istio.io/v1/namespaces/default/gateways",
      { apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name: "x" }, spec: {} },
    ],
    ["change the mesh config", "PATCH", "/api/v1/namespaces/istio-system/configmaps/istio", { data: { mesh: "trustDomain: evil" } }],
  ])("forbids the ServiceAccount to %s", async (_what, method, path, body) => {
    const client = await KubeClient.connect({ kubeconfig: tokenKubeconfig });
    const err = await client.request(method, path, body, method === "PATCH" ? "application/merge-patch+json" : "application/json").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(403);
    expect((err as KubeApiError).message).toContain('User "system:serviceaccount:meshfed:meshfed" cannot');
  });
});
