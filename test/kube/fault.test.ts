import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { repoRoot } from "../helpers/fixtures.js";
import { admin, adminApply, ensureNamespaces, liveFederation, listIstio, privateCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { compileText } from "../helpers/live-mesh.js";
import { KubeClient } from "../../src/kube/client.js";
import { applyMesh, describeFailure } from "../../src/kube/apply.js";
import { desiredObjects } from "../../src/kube/desired.js";
import { adminRequest, startCluster, stopCluster } from "../rig/rig.mjs";

// These tests stop an API server and install cluster-wide admission policy: a cluster of their own.
let cluster: RigCluster & { dispose(): Promise<void> };
beforeAll(async () => {
  cluster = await privateCluster("fault");
});
afterAll(async () => {
  await cluster?.dispose();
});

const apply = (file: string, ...args: string[]) => runCli(["apply", file, "--mesh", "production", "--kubeconfig", cluster.kubeconfig, ...args], repoRoot);

describe("faults during apply", () => {
  it("an API server stopped part-way: exit 5 naming what was and was not applied; a rerun converges", async () => {
    await ensureNamespaces(cluster, ["f1-db", "f1-monitoring"]);
    const file = writeFederation(liveFederation("faultfed", "f1"));
    // The server is killed right after apply's first write is acknowledged: the real API
    // server goes away mid-apply at a known point, whatever the machine's load.
    const original = KubeClient.prototype.apply;
    let writes = 0;
    KubeClient.prototype.apply = async function (this: KubeClient, ...args: Parameters<KubeClient["apply"]>) {
      const written = await original.apply(this, args);
      if (++writes === 1) await stopCluster("fault", { signal: "SIGKILL" });
      return written;
    };
    let r: Awaited<ReturnType<typeof apply>>;
    try {
      r = await apply(file, "--concurrency", "1");
    } finally {
      KubeClient.prototype.apply = original;
    }
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /meshfed: error: production: MF4004: \S+ \S+: API server unreachable: https:\/\/127\.0\.0\.1:\d+ unreachable \((ECONNREFUSED|ECONNRESET)\)/,
    );
    const summary = /(\d+) of (\d+) changes made(?: \(applied: ([^)]*)\))?; not done: (.*); run apply again/.exec(r.stderr);
    expect(summary).not.toBeNull();
    expect(Number(summary![2])).toBe(6);
    const applied = summary![3] ? summary![3].split(", ") : [];
    const notDone = summary![4]!.split(", ");
    expect(applied).toHaveLength(1);
    expect(notDone).toHaveLength(5);
    // Gateways come last: the policy step was interrupted, so no host was exposed.
    const gateways = compileText(readFileSync(file, "utf8"))
      .compiled.meshes.find((m) => m.mesh === "production")!
      .resources.filter((r) => r.kind === "Gateway");
    expect(gateways).toHaveLength(2);
    for (const g of gateways) expect(notDone).toContain(`apply Gateway istio-system/${g.metadata.name}`);

    await startCluster("fault", { log: () => {} });
    for (const ref of applied) {
      const [kind, nsName] = ref.split(" ");
      const [ns, name] = nsName!.split("/");
      const plural = kind === "PeerAuthentication" ? "peerauthentications" : "authorizationpolicies";
      expect((await adminRequest("fault", "GET", `/apis/security.istio.io/v1/namespaces/${ns}/${plural}/${name}`)).status).toBe(200);
    }
    expect(await listIstio(cluster, "networking.istio.io/v1", "gateways", "istio-system", "meshfed.dev/federation=faultfed")).toEqual([]);
    const again = await apply(file);
    expect(again.code).toBe(0);
    const diff = await runCli(["diff", file, "--mesh", "production", "--kubeconfig", cluster.kubeconfig], repoRoot);
    expect(diff.stdout).toBe("production: in sync\n");
  });

  it("an object the CRD schema refuses: the object is named with the API server's schema message, and nothing after it is written", async () => {
    await ensureNamespaces(cluster, ["f2-db", "f2-monitoring"]);
    const { federation, compiled } = compileText(liveFederation("schemafed", "f2"));
    const desired = desiredObjects(federation.name, compiled.meshes.find((m) => m.mesh === "production")!);
    const bad = desired.map((o) =>
      o.kind === "AuthorizationPolicy" && o.metadata.namespace === "f2-db" ? { ...o, spec: { ...(o.spec as object), action: "MAYBE" } } : o,
    );
    const client = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
    const outcome = await applyMesh(client, bad, { federation: federation.name, mesh: "production", concurrency: 1 });
    expect(outcome.failures).toHaveLength(1);
    const f = outcome.failures[0]!;
    expect(f).toMatchObject({ code: "MF4003", ref: "AuthorizationPolicy f2-db/meshfed-postgres-guard", status: 422 });
    expect(describeFailure(f)).toMatch(
      /^MF4003: AuthorizationPolicy f2-db\/meshfed-postgres-guard: rejected by the API server \(422 Invalid\): .*spec\.action: Unsupported value: "MAYBE": supported values: "ALLOW", "DENY", "AUDIT", "CUSTOM"/,
    );
    const gatewayRefs = desired.filter((o) => o.kind === "Gateway").map((o) => `Gateway istio-system/${o.metadata.name}`);
    expect(gatewayRefs).toHaveLength(2);
    expect(outcome.notDone.map((n) => n.ref)).toEqual(expect.arrayContaining(gatewayRefs));
    expect(await listIstio(cluster, "networking.istio.io/v1", "gateways", "istio-system", "meshfed.dev/federation=schemafed")).toEqual([]);
  });

  it("an object admission refuses (a ValidatingAdmissionPolicy, as a webhook would): exit 5 with the policy's message", async () => {
    await ensureNamespaces(cluster, ["f3-db", "f3-monitoring"]);
    await adminApply(
      cluster,
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: "no-metrics-exposure" },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [{ apiGroups: ["networking.istio.io"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["gateways"] }],
          },
          validations: [
            {
              expression: "!object.spec.servers.exists(s, s.hosts.exists(h, h.startsWith('metrics-api.')))",
              message: "metrics APIs may not be exposed across meshes in this cluster",
            },
          ],
        },
      } as never,
      "validatingadmissionpolicies",
    );
    await adminApply(
      cluster,
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: "no-metrics-exposure" },
        spec: { policyName: "no-metrics-exposure", validationActions: ["Deny"] },
      } as never,
      "validatingadmissionpolicybindings",
    );
    // The policy takes effect once the API server has loaded it.
    const probe = {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: "probe", namespace: "istio-system" },
      spec: {
        servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, hosts: ["metrics-api.x.svc.cluster.local"], tls: { mode: "AUTO_PASSTHROUGH" } }],
      },
    };
    const deadline = Date.now() + 30_000;
    while ((await adminRequest("fault", "POST", "/apis/networking.istio.io/v1/namespaces/istio-system/gateways?dryRun=All", probe)).status !== 422) {
      if (Date.now() > deadline) throw new Error("admission policy not active after 30s");
      await new Promise((r) => setTimeout(r, 200));
    }
    const text = liveFederation("admitfed", "f3");
    const file = writeFederation(text);
    const r = await apply(file, "--concurrency", "1");
    expect(r.code).toBe(5);
    const metricsGateway = compileText(text)
      .compiled.meshes.find((m) => m.mesh === "production")!
      .resources.find((o) => o.kind === "Gateway" && String(o.metadata.name).includes("metrics-api"))!;
    expect(r.stderr).toContain(
      `meshfed: error: production: MF4003: Gateway istio-system/${metricsGateway.metadata.name}: rejected by the API server (422 Invalid):`,
    );
    expect(r.stderr).toContain("metrics APIs may not be exposed across meshes in this cluster");
    // Policies were all written before any Gateway.
    expect((await listIstio(cluster, "security.istio.io/v1", "authorizationpolicies", undefined, "meshfed.dev/federation=admitfed")).length).toBe(2);
    await admin(cluster, "DELETE", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/no-metrics-exposure");
  });
});
