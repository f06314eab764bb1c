import { diagnostic, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { releaseProfile } from "../model/istio-release.js";
import type { Export, Federation, Mesh } from "../model/types.js";
import { allocateVips } from "./allocate-vips.js";
import { compileInstall } from "./compile-install.js";
import { compileGatewayNetworkPolicy } from "./compile-network.js";
import { compileEgress, EGRESS_PORT, egressServiceHost } from "./compile-egress.js";
import { exportKey, istioPrincipal, outboundSni, serviceFqdn, spiffeId } from "./keys.js";
import { EXPORT_LABEL, FEDERATION_LABEL, labelValue, MANAGED_BY, resourceName, ROLE_LABEL } from "./names.js";
import type { CompiledFederation, Exposure, Import, MeshOutput, Resource } from "./types.js";
import { compareStrings } from "../util/compare.js";

export interface CompileResult {
  /** Present when compilation produced no errors. */
  readonly compiled?: CompiledFederation;
  readonly diagnostics: readonly Diagnostic[];
}

function meshByName(federation: Federation, name: string): Mesh {
  const mesh = federation.meshes.find((m) => m.name === name);
  if (!mesh) throw new Error(`mesh ${name} not found; the model was not validated`);
  return mesh;
}

function labels(federation: Federation, e: Export, role: "exporter" | "importer"): Record<string, string> {
  return {
    [MANAGED_BY]: "meshfed",
    [EXPORT_LABEL]: labelValue(`${e.mesh}.${e.namespace}.${e.name}`),
    [FEDERATION_LABEL]: federation.name,
    [ROLE_LABEL]: role,
  };
}

function portName(p: { number: number; protocol: string }): string {
  return `${p.protocol.toLowerCase()}-${p.number}`;
}

/** The exporting mesh's resources for one export: Gateway, PeerAuthentication, AuthorizationPolicy. */
export function compileExporter(federation: Federation, e: Export): { resources: Resource[]; exposure: Exposure } {
  const mesh = meshByName(federation, e.mesh);
  const gw = mesh.eastWestGateway;
  if (!gw) throw new Error(`mesh ${mesh.name} has no east-west gateway; the model was not validated`);
  const fqdn = serviceFqdn(e, mesh);
  const meta = labels(federation, e, "exporter");
  const admitted = [...new Set(e.consumers.map((c) => istioPrincipal(meshByName(federation, c.principal.mesh).trustDomain, c.principal)))].sort();
  const targetPorts = [...new Set(e.ports.map((p) => p.targetPort))].sort((a, b) => a - b).map(String);
  const selector = { matchLabels: { ...e.workloadSelector } };
  // The API versions the exporting mesh's Istio serves (v1beta1 before 1.22).
  const release = releaseProfile(mesh.istioVersion);
  const gateway: Resource = {
    apiVersion: release.networkingApiVersion,
    kind: "Gateway",
    metadata: { name: resourceName("meshfed", [e.namespace, e.name]), namespace: gw.namespace, labels: meta },
    spec: {
      selector: { ...gw.selector },
      servers: [
        {
          port: { number: gw.port, name: "tls-meshfed", protocol: "TLS" },
          // The exact FQDN, never *.local or ns/*: AUTO_PASSTHROUGH serves every service its hosts match.
          hosts: [fqdn],
          tls: { mode: "AUTO_PASSTHROUGH" },
        },
      ],
    },
  };
  const peerAuthentication: Resource = {
    apiVersion: release.securityApiVersion,
    kind: "PeerAuthentication",
    metadata: { name: resourceName("meshfed", [e.name]), namespace: e.namespace, labels: meta },
    spec: { selector, mtls: { mode: "STRICT" } },
  };
  // A DENY guard rather than an ALLOW list: ALLOW policies would deny every local caller not
  // listed, while DENY only removes callers from other trust domains that are not named, and
  // keeps the named ones to the exported ports. Local callers keep what they had, except
  // that STRICT mTLS on the exported workload refuses callers without a sidecar.
  const authorizationPolicy: Resource = {
    apiVersion: release.securityApiVersion,
    kind: "AuthorizationPolicy",
    metadata: { name: resourceName("meshfed", [e.name], "guard"), namespace: e.namespace, labels: meta },
    spec: {
      selector,
      action: "DENY",
      rules: [
        { from: [{ source: { notPrincipals: [`${mesh.trustDomain}/*`, ...admitted] } }] },
        { from: [{ source: { principals: admitted } }], to: [{ operation: { notPorts: targetPorts } }] },
      ],
    },
  };
  return {
    resources: [gateway, peerAuthentication, authorizationPolicy],
    exposure: {
      service: `${e.namespace}/${e.name}`,
      host: fqdn,
      ports: e.ports.map((p) => p.number),
      admits: admitted,
      sni: e.ports.map((p) => outboundSni(p.number, fqdn)),
    },
  };
}

/** The consuming mesh's resources for one export and one consumer namespace: ServiceEntry and DestinationRule. */
export function compileImporter(
  federation: Federation,
  e: Export,
  consumerMesh: Mesh,
  namespace: string,
  alias: string,
  vip: string,
  principals: readonly string[],
): { resources: Resource[]; imported: Import } {
  const exporter = meshByName(federation, e.mesh);
  const gw = exporter.eastWestGateway;
  if (!gw) throw new Error(`mesh ${exporter.name} has no east-west gateway; the model was not validated`);
  const fqdn = serviceFqdn(e, exporter);
  const meta = labels(federation, e, "importer");
  const name = resourceName("meshfed", [e.mesh, e.namespace, e.name]);
  // Through the consumer mesh's egress gateway when it has one: the sidecar's mTLS (same SNI,
  // same SAN check) goes to the egress gateway's Service, which passes it on by SNI.
  const egressHost = egressServiceHost(consumerMesh);
  const target = egressHost ? { address: egressHost, port: EGRESS_PORT, kind: "dns" as const } : { address: gw.address, port: gw.port, kind: gw.addressKind };
  const resolution = target.kind === "ip" ? "STATIC" : "DNS";
  const serverIdentity = spiffeId(exporter.trustDomain, e.namespace, e.serviceAccount);
  // The consumer's resources are read by the consumer's Istio: its API version.
  const networkingApiVersion = releaseProfile(consumerMesh.istioVersion).networkingApiVersion;
  const serviceEntry: Resource = {
    apiVersion: networkingApiVersion,
    kind: "ServiceEntry",
    metadata: { name, namespace, labels: meta },
    spec: {
      hosts: [alias],
      // A fixed VIP: without one a TCP ServiceEntry gets a 0.0.0.0 listener that captures every
      // destination on the port.
      addresses: [vip],
      ports: e.ports.map((p) => ({ number: p.number, name: portName(p), protocol: p.protocol })),
      location: "MESH_INTERNAL",
      resolution,
      endpoints: [
        {
          address: target.address,
          ports: Object.fromEntries(e.ports.map((p) => [portName(p), target.port])),
        },
      ],
      exportTo: ["."],
    },
  };
  const destinationRule: Resource = {
    apiVersion: networkingApiVersion,
    kind: "DestinationRule",
    metadata: { name, namespace, labels: meta },
    spec: {
      host: alias,
      trafficPolicy: {
        portLevelSettings: e.ports.map((p) => ({
          port: { number: p.number },
          tls: {
            mode: "ISTIO_MUTUAL",
            // The SNI names the service as the exporting mesh knows it: AUTO_PASSTHROUGH
            // routes on it, so it must be the remote FQDN, not the local alias.
            sni: outboundSni(p.number, fqdn),
            subjectAltNames: [serverIdentity],
          },
        })),
      },
      exportTo: ["."],
    },
  };
  return {
    resources: [serviceEntry, destinationRule],
    imported: {
      namespace,
      alias,
      vip,
      from: exportKey(e),
      ports: e.ports.map((p) => p.number),
      endpoint: `${target.address}:${target.port}`,
      resolution,
      ...(egressHost && consumerMesh.egressGateway
        ? { via: `egress gateway ${consumerMesh.egressGateway.namespace}/${consumerMesh.egressGateway.service}, then ${gw.address}:${gw.port}` }
        : {}),
      principals: [...principals].sort(),
      serverIdentity,
    },
  };
}

const kindOrder = ["Gateway", "PeerAuthentication", "AuthorizationPolicy", "ServiceEntry", "DestinationRule", "NetworkPolicy"];

function compareResources(a: Resource, b: Resource): number {
  return (
    kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) ||
    compareStrings(a.metadata.namespace, b.metadata.namespace) ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

/**
 * Two resources of one kind with one namespace and name would overwrite each other on apply.
 * Names are built injective (names.ts), so this only fires on a hash collision; checked
 * anyway, because a silent overwrite would drop a consumer's import or an export's guard.
 */
function nameCollisions(resources: ReadonlyMap<string, readonly Resource[]>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [mesh, list] of resources) {
    const seen = new Map<string, Resource>();
    for (const r of list) {
      const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, r);
        continue;
      }
      const of = (x: Resource) => x.metadata.labels?.[EXPORT_LABEL] ?? "?";
      out.push(
        diagnostic(
          "MF2003",
          { mesh, kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, exports: [of(first), of(r)] },
          { value: r.metadata.name },
        ),
      );
    }
  }
  return out;
}

/**
 * Compiles a validated federation into the Istio configuration of every mesh. Pure and
 * deterministic: the same federation gives byte-identical output.
 */
export function compileFederation(federation: Federation): CompileResult {
  const { vips, diagnostics } = allocateVips(federation);
  if (hasErrors(diagnostics)) return { diagnostics };
  const resources = new Map<string, Resource[]>(federation.meshes.map((m) => [m.name, []]));
  const exposes = new Map<string, Exposure[]>(federation.meshes.map((m) => [m.name, []]));
  const imports = new Map<string, Import[]>(federation.meshes.map((m) => [m.name, []]));
  for (const e of federation.exports) {
    if (e.consumers.length === 0) continue;
    const exporter = compileExporter(federation, e);
    resources.get(e.mesh)?.push(...exporter.resources);
    exposes.get(e.mesh)?.push(exporter.exposure);
    const vip = vips.get(exportKey(e));
    if (!vip) throw new Error(`no VIP allocated for ${exportKey(e)}`);
    // One ServiceEntry and DestinationRule per consumer namespace, shared by its consumers.
    const groups = new Map<string, { mesh: string; namespace: string; alias: string; principals: string[] }>();
    for (const c of e.consumers) {
      const key = `${c.principal.mesh}/${c.principal.namespace}`;
      const group = groups.get(key) ?? { mesh: c.principal.mesh, namespace: c.principal.namespace, alias: c.alias, principals: [] };
      group.principals.push(istioPrincipal(meshByName(federation, c.principal.mesh).trustDomain, c.principal));
      groups.set(key, group);
    }
    // The egress gateway's Gateway and ServiceEntry: once per consumer mesh that has one.
    for (const meshName of [...new Set([...groups.values()].map((g) => g.mesh))]) {
      resources.get(meshName)?.push(...compileEgress(federation, e, meshByName(federation, meshName), vip));
    }
    for (const group of [...groups.values()]) {
      const consumerMesh = meshByName(federation, group.mesh);
      const importer = compileImporter(federation, e, consumerMesh, group.namespace, group.alias, vip, group.principals);
      resources.get(group.mesh)?.push(...importer.resources);
      imports.get(group.mesh)?.push(importer.imported);
    }
  }
  for (const mesh of federation.meshes) {
    const networkPolicy = compileGatewayNetworkPolicy(federation, mesh);
    if (networkPolicy) resources.get(mesh.name)?.push(networkPolicy);
  }
  const collisions = nameCollisions(resources);
  if (collisions.length > 0) return { diagnostics: [...diagnostics, ...collisions] };
  const meshes: MeshOutput[] = [...federation.meshes]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((mesh) => ({
      mesh: mesh.name,
      resources: [...(resources.get(mesh.name) ?? [])].sort(compareResources),
      install: compileInstall(federation, mesh),
      exposes: [...(exposes.get(mesh.name) ?? [])].sort((a, b) => compareStrings(a.service, b.service)),
      imports: [...(imports.get(mesh.name) ?? [])].sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.alias, b.alias)),
    }));
  return { compiled: { federation: federation.name, meshes }, diagnostics };
}
