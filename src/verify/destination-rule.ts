import { configsOf, creationOrder, visibleTo, type MeshIndex, type MeshService } from "./mesh-index.js";
import { hostMatches } from "./hosts.js";
import type { Resource } from "./types.js";

/** The TLS settings a cluster ends up with for one service port. */
export interface UpstreamTls {
  /** ISTIO_MUTUAL, MUTUAL, SIMPLE or DISABLE. */
  readonly mode: string;
  readonly sni: string | null;
  /** Exact SAN URIs the client verifies; empty = any identity of a trusted root. */
  readonly sans: readonly string[];
  /** The DestinationRule that set it, or why it is what it is. */
  readonly decidedBy: Resource | null;
  readonly autoMtls: boolean;
}

/** Creation order Istio uses for config: creationTimestamp, then name, then namespace. */
export const byCreation = creationOrder;

function drHost(dr: Resource, clusterDomain: string): string {
  const h = String(dr.spec.host ?? "");
  if (h.includes(".") || h === "*" || h.startsWith("*")) return h;
  return `${h}.${dr.namespace}.svc.${clusterDomain}`;
}

function drExportTo(dr: Resource, mesh: MeshIndex): string[] {
  if (Array.isArray(dr.spec.exportTo)) return dr.spec.exportTo.map(String);
  const d = mesh.spec.meshConfig.defaultDestinationRuleExportTo;
  return Array.isArray(d) ? d.map(String) : ["*"];
}

/** Most specific host match: an exact host first, then the longest wildcard that covers it. */
function mostSpecific(hostname: string, drs: readonly Resource[], mesh: MeshIndex): Resource | undefined {
  const domain = mesh.spec.clusterDomain;
  const exact = drs.filter((d) => drHost(d, domain) === hostname).sort(byCreation);
  if (exact.length > 0) return exact[0];
  const wild = drs
    .filter((d) => drHost(d, domain).startsWith("*") && hostMatches(hostname, drHost(d, domain)))
    .sort((a, b) => drHost(b, domain).length - drHost(a, domain).length || byCreation(a, b));
  return wild[0];
}

/**
 * The DestinationRule Istio applies for a proxy in `proxyNs` calling `svc`
 * (PushContext.destinationRule): the proxy's namespace, then the service's namespace
 * (exported rules), then the root namespace (exported rules).
 */
export function destinationRuleFor(mesh: MeshIndex, proxyNs: string, svc: MeshService): Resource | undefined {
  const all = configsOf(mesh, "DestinationRule").filter((d) => !d.spec.workloadSelector);
  const root = mesh.rootNamespace;
  // The namespace-local index holds a rule only when its exportTo is empty or names ".", "*"
  // or its own namespace (push_context.go setDestinationRules): `exportTo: [other-ns]` does
  // not apply in its own namespace.
  const ownExport = (d: Resource) => {
    const e: string[] = Array.isArray(d.spec.exportTo) ? d.spec.exportTo.map(String) : [];
    return e.length === 0 || e.includes(".") || e.includes("*") || e.includes(d.namespace);
  };
  const local = all.filter((d) => d.namespace === proxyNs && ownExport(d));
  const hit = mostSpecific(svc.hostname, local, mesh);
  if (hit) return hit;
  // Rules exported beyond their namespace: not private-only (exactly "." or exactly its own
  // namespace), and visible to the proxy's namespace.
  const privateOnly = (d: Resource) => {
    const e = drExportTo(d, mesh);
    return e.length === 1 && (e[0] === "." || e[0] === d.namespace);
  };
  const exported = (ns: string) => all.filter((d) => d.namespace === ns && !privateOnly(d) && visibleTo(drExportTo(d, mesh), d.namespace, proxyNs));
  return mostSpecific(svc.hostname, exported(svc.namespace), mesh) ?? mostSpecific(svc.hostname, exported(root), mesh);
}

/** The TLS block for a port: a matching port-level setting's tls replaces the top-level one. */
export function tlsForPort(dr: Resource | undefined, port: number): Record<string, any> | undefined {
  const tp = dr?.spec.trafficPolicy;
  if (!tp) return undefined;
  const pls = (Array.isArray(tp.portLevelSettings) ? tp.portLevelSettings : []).find((p: any) => Number(p?.port?.number) === port);
  if (pls?.tls) return pls.tls;
  return tp.tls ?? undefined;
}

export function outboundSniFor(port: number, hostname: string, subset = ""): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}
