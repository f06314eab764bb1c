import { EGRESS_PORT } from "../compile/compile-egress.js";
import { parseScenario, type ParseScenarioResult, type SourceFile } from "../verify/parse-scenario.js";
import { istioPrincipal } from "../compile/keys.js";
import { resourceFileName, toYaml } from "../render/render.js";
import type { CompiledFederation } from "../compile/types.js";
import type { Federation, Mesh } from "../model/types.js";
import { compareStrings } from "../util/compare.js";

/** A workload the scenario deploys: one Pod with a service account and labels. */
interface Workload {
  readonly mesh: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
  /** Service ports when the workload backs a Service. */
  readonly ports: readonly { number: number; targetPort: number; protocol: string }[];
}

const decoyPorts = [{ number: 8080, targetPort: 8080, protocol: "HTTP" }];

/**
 * Every workload a federation implies: the exported services, the consumers, a decoy that
 * shares each exported namespace but is not exported, a neighbour of each consumer, and
 * istiod. Least privilege is proven against all of them, not only the intended pairs.
 *
 * Exported workloads come first, so a name or identity they share with a consumer never hides
 * their Service: a consumer whose service account already runs a pod in its namespace (an
 * exported workload that also calls another mesh) is that pod. Other workloads get a pod
 * name of their own, and labels no export's selector matches, so each Service and guard
 * selects exactly the pods of its export.
 */
function workloadsOf(federation: Federation): Workload[] {
  const out = new Map<string, Workload>();
  const at = (mesh: string, namespace: string) => [...out.values()].filter((w) => w.mesh === mesh && w.namespace === namespace);
  const selectedByAnExport = (mesh: string, namespace: string, labels: Readonly<Record<string, string>>) =>
    federation.exports.some((e) => e.mesh === mesh && e.namespace === namespace && Object.entries(e.workloadSelector).every(([k, v]) => labels[k] === v));
  const add = (w: Workload) => out.set(`${w.mesh}/${w.namespace}/${w.name}`, w);
  /** A client-only pod: reuses a pod with that identity, else a fresh name nothing selects. */
  const addClient = (mesh: string, namespace: string, base: string, serviceAccount: string) => {
    if (at(mesh, namespace).some((w) => w.serviceAccount === serviceAccount)) return;
    for (let i = 1; ; i++) {
      const name = i === 1 ? base : `${base}-${i}`;
      const labels = { app: name };
      if (out.has(`${mesh}/${namespace}/${name}`) || selectedByAnExport(mesh, namespace, labels)) continue;
      add({ mesh, namespace, name, serviceAccount, labels, ports: [] });
      return;
    }
  };
  for (const mesh of federation.meshes) {
    add({
      mesh: mesh.name,
      namespace: "istio-system",
      name: "istiod",
      serviceAccount: "istiod",
      labels: { app: "istiod", istio: "pilot" },
      ports: [{ number: 15012, targetPort: 15012, protocol: "GRPC" }],
    });
  }
  for (const e of federation.exports) {
    add({ mesh: e.mesh, namespace: e.namespace, name: e.name, serviceAccount: e.serviceAccount, labels: { ...e.workloadSelector }, ports: e.ports });
  }
  const decoyed = new Set<string>();
  for (const e of federation.exports) {
    // A decoy in the exported namespace, with an identity of its own, backing a Service that is not exported.
    const ns = `${e.mesh}/${e.namespace}`;
    if (decoyed.has(ns)) continue;
    decoyed.add(ns);
    const taken = new Set(at(e.mesh, e.namespace).map((w) => w.serviceAccount));
    for (let i = 1; ; i++) {
      const name = i === 1 ? "decoy" : `decoy-${i}`;
      if (taken.has(name) || out.has(`${ns}/${name}`) || selectedByAnExport(e.mesh, e.namespace, { app: name })) continue;
      add({ mesh: e.mesh, namespace: e.namespace, name, serviceAccount: name, labels: { app: name }, ports: decoyPorts });
      break;
    }
  }
  for (const e of federation.exports) {
    for (const c of e.consumers) {
      addClient(c.principal.mesh, c.principal.namespace, c.principal.serviceAccount.replace(/\./g, "-"), c.principal.serviceAccount);
    }
  }
  const neighboured = new Set<string>();
  for (const e of federation.exports) {
    for (const c of e.consumers) {
      // A neighbour of the consumer in the same namespace, with another identity.
      const ns = `${c.principal.mesh}/${c.principal.namespace}`;
      if (neighboured.has(ns)) continue;
      neighboured.add(ns);
      const taken = new Set(at(c.principal.mesh, c.principal.namespace).map((w) => w.serviceAccount));
      let name = "neighbour";
      for (let i = 2; taken.has(name); i++) name = `neighbour-${i}`;
      addClient(c.principal.mesh, c.principal.namespace, name, name);
    }
  }
  return [...out.values()].sort((a, b) => compareStrings(`${a.mesh}/${a.namespace}/${a.name}`, `${b.mesh}/${b.namespace}/${b.name}`));
}

function meshResources(mesh: Mesh, meshIndex: number, workloads: readonly Workload[]): Record<string, unknown>[] {
  const mine = workloads.filter((w) => w.mesh === mesh.name);
  const namespaces = [...new Set(["istio-system", ...mine.map((w) => w.namespace)])].sort();
  const out: Record<string, unknown>[] = namespaces.map((ns) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }));
  // One ServiceAccount per identity: two exports of a namespace may share one.
  const accounts = [...new Set(mine.map((w) => `${w.namespace}/${w.serviceAccount}`))].sort(compareStrings);
  for (const a of accounts) {
    const [namespace = "", name = ""] = a.split("/");
    out.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
  }
  mine.forEach((w, i) => {
    out.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: w.name, namespace: w.namespace, labels: w.labels },
      spec: { serviceAccountName: w.serviceAccount, containers: [{ name: "app", image: "app" }] },
      status: { podIP: `10.${100 + meshIndex}.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`, phase: "Running" },
    });
    if (w.ports.length > 0) {
      out.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: w.name, namespace: w.namespace },
        spec: {
          selector: w.labels,
          ports: w.ports.map((p) => ({ name: `${p.protocol.toLowerCase()}-${p.number}`, port: p.number, targetPort: p.targetPort, protocol: "TCP" })),
        },
      });
    }
  });
  const gw = mesh.eastWestGateway;
  if (gw) {
    out.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "istio-eastwestgateway", namespace: gw.namespace } });
    out.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "istio-eastwestgateway", namespace: gw.namespace, labels: { ...gw.selector, "topology.istio.io/network": mesh.network } },
      spec: { serviceAccountName: "istio-eastwestgateway", containers: [{ name: "istio-proxy", image: "proxyv2" }] },
      status: { podIP: `10.${100 + meshIndex}.255.250`, phase: "Running" },
    });
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "istio-eastwestgateway", namespace: gw.namespace, labels: { ...gw.selector } },
      spec: { type: "LoadBalancer", selector: { ...gw.selector }, ports: [{ name: "tls", port: gw.port, targetPort: gw.port, protocol: "TCP" }] },
    });
  }
  const eg = mesh.egressGateway;
  if (eg) {
    // The egress gateway as its chart installs it: a gateway pod ("proxy router", no sidecar)
    // behind a ClusterIP Service publishing the passthrough port the consumers' sidecars dial.
    out.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: eg.service, namespace: eg.namespace } });
    out.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: eg.service, namespace: eg.namespace, labels: { ...eg.selector } },
      spec: { serviceAccountName: eg.service, containers: [{ name: "istio-proxy", image: "proxyv2", args: ["proxy", "router"] }] },
      status: { podIP: `10.${100 + meshIndex}.255.249`, phase: "Running" },
    });
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: eg.service, namespace: eg.namespace, labels: { ...eg.selector } },
      spec: { type: "ClusterIP", selector: { ...eg.selector }, ports: [{ name: "tls-meshfed", port: EGRESS_PORT, targetPort: EGRESS_PORT, protocol: "TCP" }] },
    });
  }
  return out;
}

export interface ScenarioOptions {
  /** Label of the shared root of trust. */
  readonly rootCA?: string;
  /** Keep only the probes from or into this mesh (every mesh's workloads and configuration stay: a call crosses meshes). */
  readonly mesh?: string;
}

/**
 * A scenario directory (see conformance/README.md) proving a compiled federation: every
 * workload of every mesh calls every imported alias of its mesh; only the intended consumers
 * may get through, and each mesh's exposure must equal the exports. Returns path → contents.
 */
export function buildScenario(federation: Federation, compiled: CompiledFederation, options: ScenarioOptions = {}): Map<string, string> {
  const files = new Map<string, string>();
  const workloads = workloadsOf(federation);
  const meshes = federation.meshes.map((mesh) => {
    const out = compiled.meshes.find((m) => m.mesh === mesh.name);
    const accepted = out?.install.acceptedTrustDomains ?? [];
    return {
      name: mesh.name,
      trustDomain: mesh.trustDomain,
      trustDomainAliases: [],
      rootCA: options.rootCA ?? "shared-root",
      network: mesh.network,
      clusterDomain: mesh.clusterDomain,
      // A release without caCertificates trust-domain validation runs istiod with
      // PILOT_SKIP_VALIDATE_TRUST_DOMAIN (compile-install.ts): the oracle sets the same flag.
      ...(out?.install.skipValidateTrustDomain ? { skipValidateTrustDomain: true } : {}),
      ...(accepted.length > 0 && !out?.install.skipValidateTrustDomain ? { meshConfig: { caCertificates: [{ trustDomains: accepted }] } } : {}),
      ...(mesh.eastWestGateway
        ? {
            eastWestGateway: {
              address: mesh.eastWestGateway.address,
              port: mesh.eastWestGateway.port,
              selector: mesh.eastWestGateway.selector,
              namespace: mesh.eastWestGateway.namespace,
            },
          }
        : {}),
    };
  });
  const probes: Record<string, unknown>[] = [];
  for (const out of compiled.meshes) {
    const aliases = [...new Map(out.imports.map((i) => [`${i.alias}`, i])).values()];
    for (const w of workloads.filter((x) => x.mesh === out.mesh && x.namespace !== "istio-system")) {
      const mesh = federation.meshes.find((m) => m.name === w.mesh)!;
      const principal = istioPrincipal(mesh.trustDomain, { namespace: w.namespace, serviceAccount: w.serviceAccount });
      for (const imp of aliases) {
        for (const port of imp.ports) {
          if (options.mesh !== undefined && w.mesh !== options.mesh && imp.from.split("/")[0] !== options.mesh) continue;
          const intended = out.imports.some((i) => i.alias === imp.alias && i.namespace === w.namespace && i.principals.includes(principal));
          probes.push({
            name: `${w.mesh}/${w.namespace}/${w.name} -> ${imp.alias}:${port}`,
            from: { mesh: w.mesh, namespace: w.namespace, serviceAccount: w.serviceAccount, labels: w.labels },
            to: { host: imp.alias, port },
            expect: intended ? "allow" : "deny",
          });
        }
      }
    }
  }
  const expectExposure = compiled.meshes
    .flatMap((m) => m.exposes.flatMap((x) => x.ports.map((port) => ({ mesh: m.mesh, host: x.host, port, admits: [...x.admits] }))))
    .sort((a, b) => compareStrings(a.mesh, b.mesh) || compareStrings(a.host, b.host) || a.port - b.port);
  files.set("scenario.yaml", `# Generated by meshfed scenario from federation "${federation.name}".\n${toYaml({ meshes, probes, expectExposure })}`);
  federation.meshes.forEach((mesh, i) => {
    files.set(
      `${mesh.name}/workloads.yaml`,
      meshResources(mesh, i, workloads)
        .map((r) => toYaml(r))
        .join("---\n"),
    );
    const out = compiled.meshes.find((m) => m.mesh === mesh.name);
    for (const r of out?.resources ?? []) files.set(`${mesh.name}/${resourceFileName(r)}`, toYaml(r));
  });
  return new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * The scenario of a federation's own render, parsed in memory: what `meshfed scenario` would
 * write, ready for runVerify.
 */
export function modelScenario(federation: Federation, compiled: CompiledFederation, options: ScenarioOptions = {}): ParseScenarioResult {
  const files = buildScenario(federation, compiled, options);
  const meshFiles = new Map<string, SourceFile[]>();
  for (const [path, text] of files) {
    const slash = path.indexOf("/");
    if (slash < 0) continue;
    const mesh = path.slice(0, slash);
    meshFiles.set(mesh, [...(meshFiles.get(mesh) ?? []), { file: path, text }]);
  }
  return parseScenario({ scenario: { file: "scenario.yaml", text: files.get("scenario.yaml") ?? "" }, meshFiles });
}
