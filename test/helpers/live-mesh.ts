import { compileFederation } from "../../src/compile/compile-federation.js";
import { compileInstall } from "../../src/compile/compile-install.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import type { Federation } from "../../src/model/types.js";
import { toYaml } from "../../src/render/render.js";
import { admin, adminApply, type RigCluster } from "./live.js";

/** Parses and compiles a federation in a test, failing loudly on diagnostics. */
export function compileText(text: string) {
  const parsed = parseFederation(text, "federation.yaml");
  if (!parsed.federation) throw new Error(JSON.stringify(parsed.diagnostics));
  const result = compileFederation(parsed.federation);
  if (!result.compiled) throw new Error(JSON.stringify(result.diagnostics));
  return { federation: parsed.federation, compiled: result.compiled };
}

/** The objects of a healthy live mesh as an Istio install with meshfed's values leaves it, before meshfed applies anything. */
export function healthyMeshObjects(federation: Federation, meshName: string): { obj: any; plural: string }[] {
  const mesh = federation.meshes.find((m) => m.name === meshName)!;
  const install = compileInstall(federation, mesh);
  const meshConfig = (install.istioOperator.spec as { meshConfig: unknown }).meshConfig;
  const out: { obj: any; plural: string }[] = [];
  const ns = (name: string, labels: Record<string, string> = {}) =>
    out.push({ obj: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }, plural: "namespaces" });
  out.push({
    obj: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio", namespace: "istio-system" },
      data: { mesh: toYaml(meshConfig), meshNetworks: "networks: {}\n" },
    },
    plural: "configmaps",
  });
  const pod = (namespace: string, name: string, labels: Record<string, string>, serviceAccount: string, sidecar = true) =>
    out.push({
      obj: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels, annotations: sidecar ? { "sidecar.istio.io/status": '{"containers":["istio-proxy"]}' } : {} },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [
            { name: "app", image: "registry.example/app:1" },
            ...(sidecar ? [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.31.0" }] : []),
          ],
        },
      },
      plural: "pods",
    });
  const seenNs = new Set<string>();
  const ensureNs = (name: string) => {
    if (seenNs.has(name)) return;
    seenNs.add(name);
    ns(name, { "istio-injection": "enabled" });
  };
  for (const e of federation.exports.filter((x) => x.mesh === meshName)) {
    ensureNs(e.namespace);
    const selector = Object.keys(e.workloadSelector).length > 0 ? { ...e.workloadSelector } : { app: e.name };
    out.push({
      obj: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: e.name, namespace: e.namespace },
        spec: { selector, ports: e.ports.map((p) => ({ name: `${p.protocol.toLowerCase()}-${p.number}`, port: p.number, targetPort: p.targetPort })) },
      },
      plural: "services",
    });
    pod(e.namespace, `${e.name}-0`, selector, e.serviceAccount);
  }
  for (const e of federation.exports) {
    for (const c of e.consumers.filter((x) => x.principal.mesh === meshName)) {
      ensureNs(c.principal.namespace);
      pod(c.principal.namespace, `${c.principal.serviceAccount}-0`, { app: c.principal.serviceAccount }, c.principal.serviceAccount);
    }
  }
  if (mesh.eastWestGateway && federation.exports.some((e) => e.mesh === meshName)) {
    const gw = mesh.eastWestGateway;
    out.push({
      obj: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "istio-eastwestgateway", namespace: gw.namespace },
        spec: { type: "LoadBalancer", selector: { ...gw.selector }, ports: [{ name: "tls", port: gw.port, targetPort: gw.port }] },
      },
      plural: "services",
    });
  }
  return out;
}

/** Puts a healthy mesh's objects on a cluster (as field manager test-setup) and gives the gateway its address. */
export async function installHealthyMesh(cluster: RigCluster, federation: Federation, meshName: string): Promise<void> {
  for (const { obj, plural } of healthyMeshObjects(federation, meshName)) await adminApply(cluster, obj, plural);
  const gw = federation.meshes.find((m) => m.name === meshName)!.eastWestGateway;
  if (gw && federation.exports.some((e) => e.mesh === meshName)) await setGatewayAddress(cluster, gw.namespace, gw.address);
}

/** Sets the east-west gateway Service's load balancer address (what a cloud controller would do). */
export async function setGatewayAddress(cluster: RigCluster, namespace: string, address: string): Promise<void> {
  const ingress = /^\d+\.\d+\.\d+\.\d+$/.test(address) ? { ip: address } : { hostname: address };
  await admin(
    cluster,
    "PATCH",
    `/api/v1/namespaces/${namespace}/services/istio-eastwestgateway/status`,
    { status: { loadBalancer: { ingress: [ingress] } } },
    [200],
    "application/merge-patch+json",
  );
}
