import { configsOf, creationOrder, visibleTo, type MeshIndex, type MeshService } from "./mesh-index.js";
import { hostMatches } from "./hosts.js";
import type { Resource } from "./types.js";
import { mapIn } from "../util/maps.js";

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

/** A rule's host as a FQDN (a short name is a Service of the rule's namespace). */
function drHost(dr: Resource, clusterDomain: string): string {
  const h = String(dr.spec.host ?? "");
  return h.includes(".") || h === "*" || h.startsWith("*") ? h : `${h}.${dr.namespace}.svc.${clusterDomain}`;
}

function drExportTo(dr: Resource, mesh: MeshIndex): string[] {
  if (Array.isArray(dr.spec.exportTo)) return dr.spec.exportTo.map(String);
  const d = mesh.spec.meshConfig.defaultDestinationRuleExportTo;
  return Array.isArray(d) ? d.map(String) : ["*"];
}

/** A namespace's DestinationRules (without workloadSelector), each list in creation order. */
interface NamespaceRules {
  /** By exact host (FQDN). */
  readonly exact: ReadonlyMap<string, readonly Resource[]>;
  /** Rules whose host is a wildcard, with that host. */
  readonly wildcards: readonly { readonly rule: Resource; readonly host: string }[];
}

/** Most specific host match: an exact host first, then the longest wildcard that covers it (the oldest among equals). */
function mostSpecific(hostname: string, rules: NamespaceRules | undefined, keep: (d: Resource) => boolean): Resource | undefined {
  if (!rules) return undefined;
  for (const d of rules.exact.get(hostname) ?? []) if (keep(d)) return d;
  let wild: Resource | undefined;
  let wildLength = -1;
  for (const { rule, host } of rules.wildcards) {
    if (host.length > wildLength && hostMatches(hostname, host) && keep(rule)) {
      wild = rule;
      wildLength = host.length;
    }
  }
  return wild;
}

const rulesByNamespace = new WeakMap<MeshIndex, Map<string, NamespaceRules>>();

function rulesIn(mesh: MeshIndex, ns: string): NamespaceRules | undefined {
  let byNs = rulesByNamespace.get(mesh);
  if (!byNs) {
    const exact = new Map<string, Map<string, Resource[]>>();
    const wildcards = new Map<string, { rule: Resource; host: string }[]>();
    for (const d of configsOf(mesh, "DestinationRule")) {
      if (d.spec.workloadSelector) continue;
      const h = drHost(d, mesh.spec.clusterDomain);
      if (h.startsWith("*")) {
        const list = wildcards.get(d.namespace);
        if (list) list.push({ rule: d, host: h });
        else wildcards.set(d.namespace, [{ rule: d, host: h }]);
        continue;
      }
      const hosts = mapIn(exact, d.namespace);
      const list = hosts.get(h);
      if (list) list.push(d);
      else hosts.set(h, [d]);
    }
    byNs = new Map();
    for (const n of new Set([...exact.keys(), ...wildcards.keys()])) byNs.set(n, { exact: exact.get(n) ?? new Map(), wildcards: wildcards.get(n) ?? [] });
    rulesByNamespace.set(mesh, byNs);
  }
  return byNs.get(ns);
}

/** The namespace-local index holds a rule only when its exportTo is empty or names ".", "*" or its own namespace (push_context.go setDestinationRules): `exportTo: [other-ns]` does not apply in its own namespace. */
function ownExport(d: Resource): boolean {
  const e: string[] = Array.isArray(d.spec.exportTo) ? d.spec.exportTo.map(String) : [];
  return e.length === 0 || e.includes(".") || e.includes("*") || e.includes(d.namespace);
}

const ruleCache = new WeakMap<MeshService, Map<string, Resource | null>>();

/**
 * The DestinationRule Istio applies for a proxy in `proxyNs` calling `svc`
 * (PushContext.destinationRule): the proxy's namespace, then the service's namespace
 * (exported rules), then the root namespace (exported rules). Memoized per service and
 * namespace.
 */
export function destinationRuleFor(mesh: MeshIndex, proxyNs: string, svc: MeshService): Resource | undefined {
  const byNs = mapIn(ruleCache, svc);
  let hit = byNs.get(proxyNs);
  if (hit === undefined) {
    hit = computeDestinationRule(mesh, proxyNs, svc) ?? null;
    byNs.set(proxyNs, hit);
  }
  return hit ?? undefined;
}

function computeDestinationRule(mesh: MeshIndex, proxyNs: string, svc: MeshService): Resource | undefined {
  const hit = mostSpecific(svc.hostname, rulesIn(mesh, proxyNs), ownExport);
  if (hit) return hit;
  // Rules exported beyond their namespace: not private-only (exactly "." or exactly its own
  // namespace), and visible to the proxy's namespace.
  const exported = (d: Resource) => {
    const e = drExportTo(d, mesh);
    const privateOnly = e.length === 1 && (e[0] === "." || e[0] === d.namespace);
    return !privateOnly && visibleTo(e, d.namespace, proxyNs);
  };
  return mostSpecific(svc.hostname, rulesIn(mesh, svc.namespace), exported) ?? mostSpecific(svc.hostname, rulesIn(mesh, mesh.rootNamespace), exported);
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
