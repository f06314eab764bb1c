import { configsOf, creationOrder, selects, strMap, type MeshIndex, type MeshService } from "./mesh-index.js";
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

/**
 * DestinationRules for one host of one index, merged as istiod merges them
 * (destination_rule.go mergeDestinationRule): rules with equal exportTo (and no selector, or
 * equal selectors) become one, keeping the first top-level traffic policy and adding subsets.
 */
interface Consolidated {
  /** The first rule, with the merged spec. */
  rule: Resource;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly exportTo: ReadonlySet<string>;
}

/** One index of consolidated rules (push_context.go consolidatedDestRules). */
interface RuleIndex {
  readonly exact: Map<string, Consolidated[]>;
  readonly wildcards: Map<string, Consolidated[]>;
}

/** The indexes of setDestinationRules: namespace-local, exported, and the root namespace's private rules. */
interface MeshRules {
  readonly local: Map<string, RuleIndex>;
  readonly exported: Map<string, RuleIndex>;
  readonly rootLocal: RuleIndex;
}

const emptyIndex = (): RuleIndex => ({ exact: new Map(), wildcards: new Map() });

function indexIn(byNamespace: Map<string, RuleIndex>, ns: string): RuleIndex {
  let idx = byNamespace.get(ns);
  if (!idx) {
    idx = emptyIndex();
    byNamespace.set(ns, idx);
  }
  return idx;
}

function selectorOf(d: Resource): Record<string, string> | undefined {
  const ws = d.spec.workloadSelector;
  return ws === undefined || ws === null ? undefined : strMap(ws.matchLabels);
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

function mergeInto(index: RuleIndex, d: Resource, host: string, exportTo: ReadonlySet<string>): void {
  const map = host.startsWith("*") ? index.wildcards : index.exact;
  const list = map.get(host);
  const selector = selectorOf(d);
  const own = (): Consolidated => ({ rule: d, selector, exportTo });
  if (!list) {
    map.set(host, [own()]);
    return;
  }
  let separately = true;
  for (const mdr of list) {
    if (sameSet(exportTo, mdr.exportTo)) separately = false;
    else if (mdr.exportTo.size > 0 && [...mdr.exportTo].every((x) => exportTo.has(x))) separately = true;
    else {
      separately = true;
      continue;
    }
    const bothWithout = selector === undefined && mdr.selector === undefined;
    const bothWith = selector !== undefined && mdr.selector !== undefined;
    if (bothWith && !sameLabels(selector, mdr.selector!)) {
      separately = true;
      continue;
    }
    if (bothWithout || bothWith) separately = false;
    // Subsets are added (a repeated name is dropped); the first top-level traffic policy stays.
    const merged = { ...mdr.rule.spec };
    const names = new Set((Array.isArray(merged.subsets) ? merged.subsets : []).map((x: any) => String(x?.name)));
    const extra = (Array.isArray(d.spec.subsets) ? d.spec.subsets : []).filter((x: any) => !names.has(String(x?.name)));
    if (extra.length > 0) merged.subsets = [...(Array.isArray(merged.subsets) ? merged.subsets : []), ...extra];
    if ((merged.trafficPolicy === undefined || merged.trafficPolicy === null) && d.spec.trafficPolicy) merged.trafficPolicy = d.spec.trafficPolicy;
    mdr.rule = { ...mdr.rule, spec: merged };
  }
  if (separately) list.push(own());
}

const meshRules = new WeakMap<MeshIndex, MeshRules>();

/** The DestinationRule indexes of a mesh (push_context.go setDestinationRules), built once. */
function rulesOf(mesh: MeshIndex): MeshRules {
  let hit = meshRules.get(mesh);
  if (hit) return hit;
  hit = { local: new Map(), exported: new Map(), rootLocal: emptyIndex() };
  // Rules with a workloadSelector first, then creation order (sortConfigBySelectorAndCreationTime).
  const all = [...configsOf(mesh, "DestinationRule")].sort((a, b) => {
    const sa = a.spec.workloadSelector != null;
    const sb = b.spec.workloadSelector != null;
    return sa === sb ? byCreation(a, b) : sa ? -1 : 1;
  });
  const defaults = mesh.spec.meshConfig.defaultDestinationRuleExportTo;
  const defaultPrivate = Array.isArray(defaults) && defaults.map(String).includes(".");
  for (const d of all) {
    const host = drHost(d, mesh.spec.clusterDomain);
    // Rules with a workloadSelector are private to their namespace.
    const exportTo = new Set<string>(d.spec.workloadSelector != null ? ["."] : Array.isArray(d.spec.exportTo) ? d.spec.exportTo.map(String) : []);
    if (exportTo.size === 0 || exportTo.has("*") || exportTo.has(".") || exportTo.has(d.namespace)) {
      mergeInto(indexIn(hit.local, d.namespace), d, host, exportTo);
    }
    const privateOnly = (exportTo.size === 0 && defaultPrivate) || (exportTo.size === 1 && (exportTo.has(".") || exportTo.has(d.namespace)));
    if (!privateOnly) {
      mergeInto(indexIn(hit.exported, d.namespace), d, host, exportTo);
    } else if (d.namespace === mesh.rootNamespace) mergeInto(hit.rootLocal, d, host, exportTo);
  }
  meshRules.set(mesh, hit);
  return hit;
}

/** MostSpecificHostMatch: the exact host's rules, else those of the longest wildcard covering it. */
function mostSpecific(hostname: string, index: RuleIndex | undefined): Consolidated[] | undefined {
  if (!index) return undefined;
  const exact = index.exact.get(hostname);
  if (exact) return exact;
  let best: Consolidated[] | undefined;
  let length = -1;
  for (const [h, list] of index.wildcards) {
    if (h.length > length && hostMatches(hostname, h)) {
      best = list;
      length = h.length;
    }
  }
  return best;
}

/** PushContext.destinationRule: the consolidated rules a proxy of `proxyNs` sees for a service. */
function candidateRules(mesh: MeshIndex, proxyNs: string, svc: MeshService): Consolidated[] | undefined {
  const rules = rulesOf(mesh);
  const local = proxyNs !== mesh.rootNamespace ? mostSpecific(svc.hostname, rules.local.get(proxyNs)) : mostSpecific(svc.hostname, rules.rootLocal);
  if (local) return local;
  const visible = (list: Consolidated[] | undefined) => {
    const out = (list ?? []).filter((c) => c.exportTo.size === 0 || c.exportTo.has("*") || c.exportTo.has(proxyNs));
    return out.length > 0 ? out : undefined;
  };
  return visible(mostSpecific(svc.hostname, rules.exported.get(svc.namespace))) ?? visible(mostSpecific(svc.hostname, rules.exported.get(mesh.rootNamespace)));
}

const ruleCache = new WeakMap<MeshService, Map<string, Resource | null>>();

/**
 * The DestinationRule Istio applies for a proxy in `proxyNs` with `labels` calling `svc`
 * (PushContext.destinationRule, then SidecarScope.DestinationRule): of the consolidated rules
 * for the most specific host, the first whose workloadSelector (same namespace as the proxy)
 * selects the proxy, else the last one without a selector. Memoized per service, namespace and
 * labels.
 */
export function destinationRuleFor(mesh: MeshIndex, proxyNs: string, svc: MeshService, labels: Readonly<Record<string, string>> = {}): Resource | undefined {
  const byNs = mapIn(ruleCache, svc);
  const key = hasSelectorRules(mesh, proxyNs) ? `${proxyNs}\0${JSON.stringify(Object.entries(labels).sort())}` : proxyNs;
  let hit = byNs.get(key);
  if (hit === undefined) {
    hit = pickRule(candidateRules(mesh, proxyNs, svc), proxyNs, labels) ?? null;
    byNs.set(key, hit);
  }
  return hit ?? undefined;
}

function pickRule(list: Consolidated[] | undefined, proxyNs: string, labels: Readonly<Record<string, string>>): Resource | undefined {
  let catchAll: Resource | undefined;
  for (const c of list ?? []) {
    if (c.selector === undefined) catchAll = c.rule;
    else if (c.rule.namespace === proxyNs && selects(c.selector, labels)) return c.rule;
  }
  return catchAll;
}

/** Whether a namespace has DestinationRules with a workloadSelector (routes then depend on the caller's labels). */
export function hasSelectorRules(mesh: MeshIndex, ns: string): boolean {
  // Asked for every probe's route: the namespaces are collected once per mesh.
  let namespaces = selectorNamespaces.get(mesh);
  if (!namespaces) {
    namespaces = new Set(configsOf(mesh, "DestinationRule").flatMap((d) => (d.spec.workloadSelector != null ? [d.namespace] : [])));
    selectorNamespaces.set(mesh, namespaces);
  }
  return namespaces.has(ns);
}

const selectorNamespaces = new WeakMap<MeshIndex, ReadonlySet<string>>();

/**
 * The TLS block for a port: the first port-level setting for the port replaces the whole
 * top-level policy, its tls included, so one without `tls` means no TLS settings at all (auto
 * mTLS), not the top-level tls (util.go GetPortLevelTrafficPolicy: "port level policies do not
 * inherit").
 */
export function tlsForPort(dr: Resource | undefined, port: number): Record<string, any> | undefined {
  const tp = dr?.spec.trafficPolicy;
  if (!tp) return undefined;
  const pls = (Array.isArray(tp.portLevelSettings) ? tp.portLevelSettings : []).find((p: any) => p?.port != null && Number(p.port.number) === port);
  if (pls) return pls.tls ?? undefined;
  return tp.tls ?? undefined;
}

/**
 * Whether a rule's load balancer for a port is PASSTHROUGH (the port-level entry's, which replaces
 * the top-level one, as tlsForPort): the cluster is then ORIGINAL_DST (cluster_builder.go).
 */
export function passthroughLbForPort(dr: Resource | undefined, port: number): boolean {
  const tp = dr?.spec.trafficPolicy;
  if (!tp) return false;
  const pls = (Array.isArray(tp.portLevelSettings) ? tp.portLevelSettings : []).find((p: any) => p?.port != null && Number(p.port.number) === port);
  return (pls ? pls.loadBalancer : tp.loadBalancer)?.simple === "PASSTHROUGH";
}

export function outboundSniFor(port: number, hostname: string, subset = ""): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}
