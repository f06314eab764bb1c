import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { exampleFile, repoRoot } from "../helpers/fixtures.js";
import { admin, adminApply, privateCluster, type RigCluster } from "../helpers/live.js";
import { KubeClient } from "../../src/kube/client.js";
import { readLiveMesh, type LiveMesh } from "../../src/kube/live-reader.js";
import { toYaml } from "../../src/render/render.js";

// Istio's multi-network sample as the conformance scenario has it: the `*.local`
// AUTO_PASSTHROUGH Gateway (samples/multicluster/expose-services.yaml).
const scenario = join(repoRoot, "conformance/scenarios/10-trap-wildcard-local-host");
const meshes = ["operations", "production"] as const;
const clusters = new Map<string, RigCluster & { dispose(): Promise<void> }>();
const live = new Map<string, LiveMesh>();

const plural = (kind: string) =>
  ({
    Namespace: "namespaces",
    ServiceAccount: "serviceaccounts",
    Service: "services",
    Pod: "pods",
    Deployment: "deployments",
    ConfigMap: "configmaps",
    ServiceEntry: "serviceentries",
    AuthorizationPolicy: "authorizationpolicies",
  })[kind] ?? `${kind.toLowerCase()}s`;

/** Loads a directory of YAML into a cluster as kubectl would: namespaces first, then objects, then their status. */
async function loadDirectory(cluster: RigCluster, dir: string): Promise<void> {
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJSON()))
    .filter((o) => o?.kind);
  const namespaces = new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])));
  for (const ns of namespaces) await adminApply(cluster, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, "namespaces");
  for (const o of [...objects.filter((x) => x.kind === "Namespace"), ...objects.filter((x) => x.kind !== "Namespace")]) {
    const { status, ...spec } = o;
    await adminApply(cluster, spec, plural(o.kind));
    if (status && (o.kind === "Pod" || o.kind === "Service")) {
      const base = `/api/v1/namespaces/${o.metadata.namespace}/${plural(o.kind)}/${o.metadata.name}/status`;
      await admin(cluster, "PATCH", base, { status }, [200], "application/merge-patch+json");
    }
  }
}

beforeAll(async () => {
  for (const m of meshes) {
    const c = await privateCluster(`live-${m}`);
    clusters.set(m, c);
    // The scenario has its own istiod Pod; the rig's istiod Deployment is not part of it.
    await admin(c, "DELETE", "/apis/apps/v1/namespaces/istio-system/deployments/istiod");
    await loadDirectory(c, join(scenario, m));
    const client = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    live.set(m, await readLiveMesh(client, m));
  }
});
afterAll(async () => {
  await Promise.all([...clusters.values()].map((c) => c.dispose()));
});

/** verify's findings without positions, in a stable order (files and their order differ; what is found must not). */
function findings(stdout: string): unknown[] {
  return JSON.parse(stdout)
    .findings.map(({ position: _p, ...f }: Record<string, unknown>) => f)
    .sort((a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

describe("the live reader (for verify --live)", () => {
  it("returns each mesh's Istio resources, Services and workloads as plain objects, without server-owned metadata", () => {
    const prod = live.get("production")!;
    const gw = prod.resources.find((r) => r.kind === "Gateway");
    expect(gw?.spec).toMatchObject({ servers: [{ hosts: ["*.local"], tls: { mode: "AUTO_PASSTHROUGH" } }] });
    expect(prod.resources.every((r) => r.metadata.managedFields === undefined && r.metadata.resourceVersion === undefined)).toBe(true);
    expect(prod.resources.find((r) => r.kind === "Pod" && r.metadata.name === "postgres-0")?.status).toMatchObject({ podIP: "10.2.1.10" });
    expect(prod.resources.some((r) => r.kind === "Secret" || r.kind === "ConfigMap")).toBe(false);
    expect(prod.meshConfig).toMatchObject({ trustDomain: "cluster.local" });
    expect(prod.rootCertFingerprint).toBe(live.get("operations")!.rootCertFingerprint);
  });

  it("gives verify the same findings on the live clusters as on the sample's files", async () => {
    const onFiles = await runCli(["verify", "--model", exampleFile, ...meshes.flatMap((m) => ["--mesh", `${m}=${join(scenario, m)}`]), "-o", "json"], repoRoot);
    const dump = mkdtempSync(join(tmpdir(), "meshfed-live-dump-"));
    for (const m of meshes) {
      mkdirSync(join(dump, m));
      writeFileSync(
        join(dump, m, "live.yaml"),
        live
          .get(m)!
          .resources.map((o) => toYaml(o))
          .join("---\n"),
      );
    }
    const onLive = await runCli(["verify", "--model", exampleFile, ...meshes.flatMap((m) => ["--mesh", `${m}=${join(dump, m)}`]), "-o", "json"], repoRoot);
    expect(onLive.code).toBe(onFiles.code);
    const expected = findings(onFiles.stdout);
    expect(expected.map((f: any) => f.code)).toContain("MF3222");
    // A live cluster always has the API server's own Service, default/kubernetes, which the
    // files do not list; `*.local` exposes it too. Everything else is found the same way.
    const kubernetesService = (f: any) => f.resource === "production: Service kubernetes.default.svc.cluster.local:443";
    const got = findings(onLive.stdout);
    expect(got.filter(kubernetesService)).toEqual([
      expect.objectContaining({
        code: "MF3222",
        message: expect.stringContaining("routes kubernetes.default.svc.cluster.local:443, which the model does not export"),
      }),
    ]);
    expect(got.filter((f) => !kubernetesService(f))).toEqual(expected);
    const exposure = (stdout: string) => JSON.parse(stdout).exposure.filter((e: any) => e.host !== "kubernetes.default.svc.cluster.local");
    expect(exposure(onLive.stdout)).toEqual(exposure(onFiles.stdout));

    // meshfed verify --live reads the same clusters itself, each with its own kubeconfig.
    const direct = await runCli(
      ["verify", "--model", exampleFile, ...meshes.flatMap((m) => ["--live", `${m}=${clusters.get(m)!.kubeconfig}`]), "-o", "json"],
      repoRoot,
    );
    expect(direct.code).toBe(onLive.code);
    const strip = (fs: unknown[]) => fs.map((f: any) => ({ ...f, message: String(f.message).replace(/^[^:]*:\d+: /, "") }));
    expect(strip(findings(direct.stdout))).toEqual(strip(got));
    expect(JSON.parse(direct.stdout).exposure).toEqual(JSON.parse(onLive.stdout).exposure);
  });

  it("report --live writes the page from the clusters: the sample's `*.local` exposure fails the audit", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "meshfed-live-report-")), "report.html");
    const r = await runCli(["report", exampleFile, ...meshes.flatMap((m) => ["--live", `${m}=${clusters.get(m)!.kubeconfig}`]), "--out", out], repoRoot);
    expect(r.code).toBe(4);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("MF3222");
    expect(html).toContain("--live operations=");
    expect(html).toContain("live:production/Gateway/");
  });

  it("verify --live with an unusable kubeconfig is a usage error (exit 2) naming it", async () => {
    const r = await runCli(["verify", "--model", exampleFile, "--live", "production=/nonexistent/kubeconfig"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/nonexistent/kubeconfig");
  });
});
