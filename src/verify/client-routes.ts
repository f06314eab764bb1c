import { hostMatches } from "./hosts.js";
import { configsOf, selects, strMap, type MeshIndex, type MeshService } from "./mesh-index.js";
import type { Resource } from "./types.js";

/** Where a client VirtualService `tcp` rule sends a call: host, port (0: the service's only port) and subset. */
export interface TcpDestination {
  readonly host: string;
  readonly port: number;
  readonly subset: string;
  /** The VirtualService of the rule (or the Sidecar whose outboundTrafficPolicy.egressProxy it is). */
  readonly virtualService: Resource;
}

/** A VirtualService's exportTo, or the mesh default (`defaultVirtualServiceExportTo`, else public). */
function exportToOf(mesh: MeshIndex, vs: Resource): string[] {
  if (Array.isArray(vs.spec.exportTo) && vs.spec.exportTo.length > 0) return vs.spec.exportTo.map(String);
  const d = mesh.spec.meshConfig.defaultVirtualServiceExportTo;
  return Array.isArray(d) && d.length > 0 ? d.map(String) : ["*"];
}

function visibleTo(mesh: MeshIndex, vs: Resource, ns: string): boolean {
  const e = exportToOf(mesh, vs);
  return e.includes("*") || e.includes(ns) || (e.includes(".") && vs.namespace === ns);
}

/** `hosts` short names qualified in the VirtualService's namespace (ResolveShortnameToFQDN). */
function fqdn(mesh: MeshIndex, vs: Resource, h: string): string {
  return h.includes(".") || h.startsWith("*") ? h : `${h}.${vs.namespace}.svc.${mesh.spec.clusterDomain}`;
}

/**
 * The VirtualServices a client sidecar applies to a service host: visible to its namespace,
 * bound to the mesh (no `gateways`, or `mesh` among them), imported by its Sidecar, with a host
 * matching the service's (listener.go buildSidecarOutboundTCPListenerOpts, getConfigsForHost),
 * in creation order.
 */
export function clientVirtualServices(mesh: MeshIndex, ns: string, hostname: string, imported: (s: MeshService) => boolean): Resource[] {
  return configsOf(mesh, "VirtualService").filter((vs) => {
    if (!visibleTo(mesh, vs, ns)) return false;
    const gateways: string[] = Array.isArray(vs.spec.gateways) ? vs.spec.gateways.map(String) : [];
    if (gateways.length > 0 && !gateways.includes("mesh")) return false;
    const hosts: string[] = Array.isArray(vs.spec.hosts) ? vs.spec.hosts.map((h: unknown) => fqdn(mesh, vs, String(h))) : [];
    // The Sidecar's egress hosts select VirtualServices by their namespace and hosts, as services.
    if (!hosts.some((h) => imported({ hostname: h, namespace: vs.namespace } as MeshService))) return false;
    return hosts.some((h) => hostMatches(hostname, h) || hostMatches(h, hostname));
  });
}

/**
 * The destination of the first `tcp` rule of these VirtualServices that matches the caller
 * (tls.go buildSidecarOutboundTCPFilterChainOpts, matchTCP): no match block, or one whose
 * port, sourceLabels, sourceNamespace and gateways fit and that names no destinationSubnets.
 * Undefined: no rule applies and the call goes to the service's own cluster.
 */
export function tcpRouteFor(
  mesh: MeshIndex,
  virtualServices: readonly Resource[],
  port: number,
  ns: string,
  labels: Readonly<Record<string, string>>,
): TcpDestination | undefined {
  for (const vs of virtualServices) {
    for (const rule of Array.isArray(vs.spec.tcp) ? vs.spec.tcp : []) {
      if (!Array.isArray(rule?.route) || rule.route.length === 0) continue;
      const matches: any[] = Array.isArray(rule.match) ? rule.match : [];
      const fits = (m: any) => {
        if (m === null || m === undefined) return true;
        const gateways: string[] = Array.isArray(m.gateways) ? m.gateways.map(String) : [];
        return (
          (gateways.length === 0 || gateways.includes("mesh")) &&
          selects(strMap(m.sourceLabels), labels) &&
          (m.port === undefined || m.port === null || Number(m.port) === 0 || Number(m.port) === port) &&
          (m.sourceNamespace === undefined || m.sourceNamespace === null || m.sourceNamespace === "" || m.sourceNamespace === ns) &&
          !(Array.isArray(m.destinationSubnets) && m.destinationSubnets.length > 0)
        );
      };
      if (matches.length > 0 && !matches.some(fits)) continue;
      const d = rule.route[0]?.destination;
      if (!d?.host) continue;
      return { host: fqdn(mesh, vs, String(d.host)), port: Number(d.port?.number ?? 0), subset: d.subset ? String(d.subset) : "", virtualService: vs };
    }
  }
  return undefined;
}

/**
 * Rule kinds of these VirtualServices verify does not model for a client on this port: `tls`
 * rules (SNI routing of a TLS port), `http` rules of an HTTP port, and `tcp` rules matching on
 * destinationSubnets. Each as `[resource, field]`.
 */
export function unmodelledClientRules(virtualServices: readonly Resource[], http: boolean, tlsPort: boolean): [Resource, string][] {
  const out: [Resource, string][] = [];
  for (const vs of virtualServices) {
    if (tlsPort && Array.isArray(vs.spec.tls) && vs.spec.tls.length > 0) out.push([vs, "spec.tls"]);
    if (http && Array.isArray(vs.spec.http) && vs.spec.http.length > 0) out.push([vs, "spec.http"]);
    const tcp: any[] = Array.isArray(vs.spec.tcp) ? vs.spec.tcp : [];
    if (!http && tcp.some((r) => Array.isArray(r?.match) && r.match.some((m: any) => Array.isArray(m?.destinationSubnets) && m.destinationSubnets.length > 0)))
      out.push([vs, "spec.tcp[].match[].destinationSubnets"]);
  }
  return out;
}
