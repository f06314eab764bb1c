import { destinationRuleFor, outboundSniFor, passthroughLbForPort, tlsForPort, type UpstreamTls } from "./destination-rule.js";
import {
  creationTime,
  findVisible,
  isHttpProtocol,
  isIpLiteral,
  lookups,
  selects,
  spiffeId,
  targetPortFor,
  visibleTo,
  type MeshIndex,
  type MeshService,
  type Workload,
} from "./mesh-index.js";
import { clientVirtualServices, tcpRouteFor, unmodelledClientRules, type TcpDestination } from "./client-routes.js";
import { mtlsModeFor, namespaceMtlsMode } from "./server-hop.js";
import type { ClientHop, Denial, Resource } from "./types.js";
import { mapIn } from "../util/maps.js";
import { cidrContains, parseCidrRange } from "./ip-cidr.js";
import { expandWithTrustDomains } from "./expand-trust-domains.js"; // meshfed: alias expansion of default SANs

/** Where the client sidecar sends the call. */
export interface ClientRoute {
  readonly hop: ClientHop;
  readonly denial?: Denial;
  readonly service?: MeshService;
  readonly tls?: UpstreamTls;
  /** The resources that decided the route (ServiceEntry/Service, VirtualService, DestinationRule). */
  readonly decidedBy: readonly Resource[];
  /** VirtualService rules on the route verify does not model, as `[resource, field]`. */
  readonly notModelled?: readonly [Resource, string][];
  /**
   * The service the dialled host is (by name, or by its address), whose port decides whether the
   * call speaks HTTP (the oracle's callProtocol); none for an address no service has.
   */
  readonly caller?: MeshService;
}

/** The address a host with no address of its own resolves to: only a 0.0.0.0 listener can take it. */
const unresolvedVip = "240.240.240.240";

/**
 * Services of a mesh visible to a namespace, the namespace's own first, one per hostname as a
 * sidecar scope keeps them (sidecar.go selectServices, appendSidecarServices): the proxy's
 * namespace first, and a Kubernetes Service before a ServiceEntry of the same host (mesh
 * services list Kubernetes Services first), so a ServiceEntry naming a Service's host adds no
 * second gateway chain.
 */
export function servicesVisibleTo(mesh: MeshIndex, ns: string): MeshService[] {
  const visible = mesh.services.filter((s) => visibleTo(s.exportTo, s.namespace, ns));
  const ordered = [...visible.filter((s) => s.namespace === ns), ...visible.filter((s) => s.namespace !== ns)];
  return ordered.filter((s) => scopeChoice(mesh, ns, s.hostname) === s);
}

/** istiod's order of services (push_context.go SortServicesByCreationTime): creation time, name (a ServiceEntry's is its host), namespace. */
function istioServiceOrder(a: MeshService, b: MeshService): number {
  const name = (s: MeshService) => (s.source === "kubernetes" ? s.resource.name : s.hostname);
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(creationTime(a.resource), creationTime(b.resource)) || cmp(name(a), name(b)) || cmp(a.namespace, b.namespace);
}

/** Scope choices by mesh, namespace and hostname (nested maps: a key string built per call would cost more than the lookups). */
const scopeCache = new WeakMap<MeshIndex, Map<string, Map<string, MeshService | null>>>();

/**
 * The one service a scope of namespace `ns` keeps for a hostname (sidecar.go selectServices with
 * unified scoping, then appendSidecarServices): of the services visible to `ns`, in istiod's
 * order, the first of `ns` itself, else the first Kubernetes Service, else the first one; within
 * a namespace a Kubernetes Service wins over a ServiceEntry.
 */
export function scopeChoice(mesh: MeshIndex, ns: string, hostname: string): MeshService | undefined {
  const byHost = mapIn(mapIn(scopeCache, mesh), ns);
  let hit = byHost.get(hostname);
  if (hit === undefined) {
    hit = computeScopeChoice(mesh, ns, hostname) ?? null;
    byHost.set(hostname, hit);
  }
  return hit ?? undefined;
}

function computeScopeChoice(mesh: MeshIndex, ns: string, hostname: string): MeshService | undefined {
  const all = (lookups(mesh).servicesByHost.get(hostname) ?? []).filter((s) => visibleTo(s.exportTo, s.namespace, ns)).sort(istioServiceOrder);
  const own = all.filter((s) => s.namespace === ns);
  const pool = own.length > 0 ? own : all;
  return pool.find((s) => s.source === "kubernetes") ?? pool[0];
}

export function clusterName(port: number, hostname: string, subset = ""): string {
  return `outbound|${port}|${subset}|${hostname}`;
}

interface UpstreamEndpoint {
  readonly address: string;
  readonly port: number;
  /** Endpoint's `security.istio.io/tlsMode` (auto mTLS matches on it). */
  readonly tlsMode: string;
}

/** The endpoints of `outbound|port||host` in EDS/DNS order (memoized per service and port). */
const endpointCache = new WeakMap<MeshService, Map<number, readonly UpstreamEndpoint[]>>();

export function endpointsOf(mesh: MeshIndex, svc: MeshService, port: number): readonly UpstreamEndpoint[] {
  const byPort = mapIn(endpointCache, svc);
  let hit = byPort.get(port);
  if (!hit) {
    hit = computeEndpoints(mesh, svc, port);
    byPort.set(port, hit);
  }
  return hit;
}

/** Pods of the service's namespace that a selector picks. */
function selectedWorkloads(mesh: MeshIndex, svc: MeshService): Workload[] {
  return (lookups(mesh).workloadsByNamespace.get(svc.namespace) ?? []).filter((w) => selects(svc.selector, w.labels));
}

function computeEndpoints(mesh: MeshIndex, svc: MeshService, port: number): UpstreamEndpoint[] {
  const sp = svc.ports.find((p) => p.port === port);
  if (!sp) return [];
  if (svc.source === "kubernetes") {
    if (Object.keys(svc.selector).length === 0) return [];
    return selectedWorkloads(mesh, svc).map((w) => ({ address: w.ip, port: targetPortFor(sp, w), tlsMode: endpointTlsMode(mesh, w, targetPortFor(sp, w)) }));
  }
  if (svc.resolution === "NONE") return [];
  if (svc.endpoints.length === 0) {
    if (svc.resolution === "DNS" || svc.resolution === "DNS_ROUND_ROBIN")
      return [{ address: svc.hostname, port: Number(sp.targetPort ?? port), tlsMode: "disabled" }];
    if (Object.keys(svc.selector).length > 0) {
      return selectedWorkloads(mesh, svc).map((w) => ({
        address: w.ip,
        port: Number(sp.targetPort ?? port),
        tlsMode: endpointTlsMode(mesh, w, Number(sp.targetPort ?? port)),
      }));
    }
    return [];
  }
  // EDS groups endpoints by locality, the localities in string order (endpoint_builder.go generate).
  const byLocality = [...svc.endpoints].sort((a, b) => (a.locality < b.locality ? -1 : a.locality > b.locality ? 1 : 0));
  return byLocality.map((e) => ({
    address: e.address,
    port: e.ports[sp.name] ?? Number(sp.targetPort ?? port),
    tlsMode: endpointTlsMode(
      mesh,
      {
        namespace: svc.namespace,
        labels: { ...e.labels, ...(e.labels["security.istio.io/tlsMode"] === undefined && e.serviceAccount ? { "security.istio.io/tlsMode": "istio" } : {}) },
      },
      e.ports[sp.name] ?? Number(sp.targetPort ?? port),
    ),
  }));
}

/**
 * The tlsMode EDS puts in an endpoint's metadata (what auto mTLS matches on): `istio` only for an
 * endpoint labelled `security.istio.io/tlsMode: istio` whose PeerAuthentication on that port is not
 * DISABLE (endpoints/mtls_checker.go checkMtlsEnabled).
 */
function endpointTlsMode(mesh: MeshIndex, endpoint: Pick<Workload, "namespace" | "labels">, port: number): string {
  if (endpoint.labels["security.istio.io/tlsMode"] !== "istio") return "disabled";
  // A workload itself, not a copy of its namespace and labels: mtlsModeFor memoizes per object.
  return mtlsModeFor(mesh, endpoint, port).mode === "DISABLE" ? "disabled" : "istio";
}

/** Service accounts Istio verifies by default for a service (ServiceEntry subjectAltNames, or the pods' identities); memoized per service. */
const serviceAccountCache = new WeakMap<MeshService, readonly string[]>();

export function serviceAccountsOf(mesh: MeshIndex, svc: MeshService): readonly string[] {
  let hit = serviceAccountCache.get(svc);
  if (!hit) {
    // meshfed: istiod expands default SANs with the client mesh's trust-domain aliases (expand-trust-domains.ts).
    hit = expandWithTrustDomains(computeServiceAccounts(mesh, svc), mesh.spec.trustDomainAliases).sort();
    serviceAccountCache.set(svc, hit);
  }
  return hit;
}

function computeServiceAccounts(mesh: MeshIndex, svc: MeshService): string[] {
  if (svc.source === "serviceentry") {
    const fromEndpoints = svc.endpoints.filter((e) => e.serviceAccount).map((e) => spiffeId(mesh.spec.trustDomain, svc.namespace, e.serviceAccount));
    // The pods a workloadSelector picks are instances too (push_context.go ServiceAccounts).
    const fromPods =
      Object.keys(svc.selector).length > 0 ? selectedWorkloads(mesh, svc).map((w) => spiffeId(mesh.spec.trustDomain, w.namespace, w.serviceAccount)) : [];
    return [...new Set([...svc.subjectAltNames, ...fromEndpoints, ...fromPods])].sort();
  }
  if (Object.keys(svc.selector).length === 0) return [];
  const ids = selectedWorkloads(mesh, svc).map((w) => spiffeId(mesh.spec.trustDomain, w.namespace, w.serviceAccount));
  return [...new Set(ids)].sort();
}

/**
 * The TLS a proxy in `proxyNs` originates to one endpoint of `svc:port`
 * (cluster_tls.go buildUpstreamTLSSettings, with auto mTLS's per-endpoint transport socket match).
 */
export function upstreamTls(
  mesh: MeshIndex,
  proxyNs: string,
  svc: MeshService,
  port: number,
  ep: UpstreamEndpoint | undefined,
  /** The proxy's labels (a DestinationRule's workloadSelector picks on them). */
  labels: Readonly<Record<string, string>> = {},
  /** Whether the proxy is a sidecar (not a gateway). */
  sidecar = false,
): UpstreamTls {
  const dr = destinationRuleFor(mesh, proxyNs, svc, labels);
  const tls = tlsForPort(dr, port);
  const autoSni = outboundSniFor(port, svc.hostname);
  const plain: UpstreamTls = { mode: "DISABLE", sni: null, sans: [], decidedBy: dr ?? null, autoMtls: tls === undefined };
  if (tls) {
    const mode = String(tls.mode ?? "DISABLE");
    const sans: string[] = Array.isArray(tls.subjectAltNames) ? tls.subjectAltNames.map(String) : [];
    if (mode === "DISABLE") return plain;
    // A sidecar gets no TLS context for a credentialName (but a configmap:// one) from a rule
    // without workloadSelector: the cluster is plaintext (cluster_tls.go buildUpstreamClusterTLSContext).
    const credential = typeof tls.credentialName === "string" && tls.credentialName !== "" && !tls.credentialName.startsWith("configmap://");
    if (sidecar && credential && (mode === "SIMPLE" || mode === "MUTUAL") && dr?.spec.workloadSelector == null) return { ...plain, autoMtls: false };
    if (mode === "ISTIO_MUTUAL") {
      return {
        mode,
        sni: tls.sni ? String(tls.sni) : autoSni,
        sans: sans.length > 0 ? sans : serviceAccountsOf(mesh, svc),
        decidedBy: dr ?? null,
        autoMtls: false,
      };
    }
    // SIMPLE / MUTUAL: without SANs of its own, a ServiceEntry's (cluster_tls.go constructUpstreamTLS);
    // insecureSkipVerify verifies nothing.
    const verified = tls.insecureSkipVerify === true ? [] : sans.length > 0 ? sans : svc.source === "serviceentry" ? serviceAccountsOf(mesh, svc) : [];
    return { mode, sni: tls.sni ? String(tls.sni) : null, sans: verified, decidedBy: dr ?? null, autoMtls: false };
  }
  // The service's mTLS mode: namespace or root PeerAuthentication DISABLE turns auto mTLS off (BestEffortInferServiceMTLSMode).
  if (svc.meshExternal || mesh.spec.meshConfig.enableAutoMtls === false || namespaceMtlsMode(mesh, svc.namespace) === "DISABLE") return plain;
  if (ep?.tlsMode !== "istio") return plain;
  return { mode: "ISTIO_MUTUAL", sni: autoSni, sans: serviceAccountsOf(mesh, svc), decidedBy: dr ?? null, autoMtls: true };
}

/**
 * The address a name resolves to for the client, as the DNS proxy's name table answers
 * (name_table.go BuildNameTable): a Kubernetes Service's own address; for ServiceEntries, every
 * address of the ServiceEntries of that host in the namespace the scope picked, CIDR ranges and
 * unspecified addresses skipped. Istio keeps those services in no stable order, so the lowest
 * address is dialled (the oracle's choice too); each has a listener routing to the same cluster.
 * None: the unresolved address.
 */
function nameAddress(mesh: MeshIndex, ns: string, resolved: MeshService, scoped: (s: MeshService) => boolean): string {
  if (resolved.source === "kubernetes") return plainAddress(resolved.address) ? resolved.address : unresolvedVip;
  // The lowest address (in sort order) of them all.
  let lowest: string | undefined;
  const services = lookups(mesh).servicesByHost.get(resolved.hostname) ?? [];
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    if (s.source !== "serviceentry" || s.namespace !== resolved.namespace || !visibleTo(s.exportTo, s.namespace, ns) || !scoped(s)) continue;
    for (let k = 0; k < s.addresses.length; k++) {
      const a = s.addresses[k]!;
      if (plainAddress(a) && (lowest === undefined || a < lowest)) lowest = a;
    }
  }
  return lowest ?? unresolvedVip;
}

/** An address a name can resolve to: not empty, unspecified or a CIDR range. */
function plainAddress(a: string): boolean {
  return a !== "" && a !== "0.0.0.0" && a !== "::" && !a.includes("/");
}

/**
 * The service of a CIDR filter chain that takes a call to `addr` on the 0.0.0.0:port listener
 * (listener.go buildSidecarOutboundListener: a ServiceEntry address that is a range listens on
 * 0.0.0.0 with a destination-prefix match): the longest range containing the address.
 */
function rangeChoice(mesh: MeshIndex, addr: string, ns: string, pred: (s: MeshService) => boolean): MeshService | undefined {
  let best: MeshService | undefined;
  let bestPrefix = -1;
  for (const s of lookups(mesh).servicesWithRanges) {
    if (!visibleTo(s.exportTo, s.namespace, ns) || !pred(s)) continue;
    for (const a of s.addresses) {
      const range = a.includes("/") ? parseCidrRange(a) : undefined;
      if (!range || !cidrContains(range, addr)) continue;
      if (range.prefix > bestPrefix || (range.prefix === bestPrefix && best && best.namespace !== ns && s.namespace === ns)) {
        best = s;
        bestPrefix = range.prefix;
      }
    }
  }
  return best;
}

/**
 * Whether the proxy's outbound traffic policy is REGISTRY_ONLY (sidecar.go
 * initSidecarScopeInternalIndexes): the Sidecar's `outboundTrafficPolicy` when it has one (its
 * mode defaults to REGISTRY_ONLY, the enum's zero value), else meshConfig's (ALLOW_ANY unless written).
 */
function registryOnly(mesh: MeshIndex, sidecar: Resource | undefined): boolean {
  const own = sidecar?.spec.outboundTrafficPolicy;
  if (own !== undefined && own !== null) return String(own.mode ?? "REGISTRY_ONLY") === "REGISTRY_ONLY";
  // meshConfig's default is ALLOW_ANY; a policy written without mode replaces it (mesh.ApplyMeshConfig).
  const meshPolicy = mesh.spec.meshConfig.outboundTrafficPolicy as { mode?: unknown } | undefined | null;
  return meshPolicy !== undefined && meshPolicy !== null && String(meshPolicy.mode ?? "REGISTRY_ONLY") === "REGISTRY_ONLY";
}

/** A Sidecar's `outboundTrafficPolicy.egressProxy` as the destination of unmatched calls (ALLOW_ANY only). */
function egressProxyOf(sidecar: Resource | undefined): TcpDestination | undefined {
  const d = sidecar?.spec.outboundTrafficPolicy?.egressProxy;
  if (!sidecar || !d?.host) return undefined;
  return { host: String(d.host), port: Number(d.port?.number ?? 0), subset: d.subset ? String(d.subset) : "", virtualService: sidecar };
}

/** What auto mTLS of a passthrough cluster keys on: mTLS when the service has instances, all with a sidecar. */
function passthroughSocket(mesh: MeshIndex, svc: MeshService, port: number): UpstreamEndpoint | undefined {
  const sp = svc.ports.find((p) => p.port === port);
  const instances: UpstreamEndpoint[] =
    svc.source === "serviceentry" && svc.resolution === "NONE"
      ? Object.keys(svc.selector).length > 0 && sp
        ? selectedWorkloads(mesh, svc).map((w) => ({ address: w.ip, port, tlsMode: endpointTlsMode(mesh, w, port) }))
        : []
      : [...endpointsOf(mesh, svc, port)];
  return instances.length > 0 && instances.every((i) => i.tlsMode === "istio") ? { address: "", port, tlsMode: "istio" } : undefined;
}

/** The client sidecar: listener, cluster, TLS and endpoint for a call to host:port. */
export function clientHop(
  mesh: MeshIndex,
  ns: string,
  to: { host: string; port: number },
  gatewayOf: (endpoint: string) => boolean,
  /** The services the proxy's Sidecar imports (all when it has none). */
  imported: (s: MeshService) => boolean = () => true,
  /** The Sidecar that scopes the proxy, when one does. */
  sidecar?: Resource,
  /** The client pod's labels. */
  labels: Readonly<Record<string, string>> = {},
): ClientRoute {
  const sidecarNote = sidecar ? ` (Sidecar ${sidecar.namespace}/${sidecar.name} scopes its egress)` : "";
  // A scope keeps one service per hostname: the others of that host are not the proxy's.
  const scoped = imported;
  imported = (s: MeshService) => scopeChoice(mesh, ns, s.hostname) === s && scoped(s);
  const hop: ClientHop = { at: "client", mesh: mesh.spec.name, cluster: null, tls: "DISABLE", sni: null, sans: [], endpoint: null };
  const { servicesByHost, servicesByAddress } = lookups(mesh);
  let addr: string;
  let resolved: MeshService | undefined;
  const byAddress = isIpLiteral(to.host);
  if (byAddress) {
    addr = to.host;
    resolved = findVisible(servicesByAddress.get(to.host), ns, (s) => imported(s) && s.address === to.host);
  } else {
    resolved = findVisible(servicesByHost.get(to.host), ns, imported);
    if (!resolved) {
      // The oracle's completion: a host no sidecar can resolve is reported as BlackHoleCluster.
      hop.cluster = "BlackHoleCluster";
      return {
        hop,
        decidedBy: [],
        denial: {
          at: "client",
          reason: "MF3001",
          why: `host ${to.host} is not a Service or ServiceEntry visible to namespace ${ns} of mesh ${mesh.spec.name}${sidecarNote}`,
        },
      };
    }
    addr = nameAddress(mesh, ns, resolved, scoped);
  }
  // Every service of the namespace the scope picked for a hostname has listeners of its own (a
  // ServiceEntry per address, several ServiceEntries of one host: sidecar.go selectServices
  // keeps them all), all routing to the hostname's one cluster.
  const listens = (s: MeshService) => scoped(s) && scopeChoice(mesh, ns, s.hostname)?.namespace === s.namespace;
  // Listener: an exact address:port listener, the HTTP 0.0.0.0:port listener routing on Host, or a TCP 0.0.0.0:port listener.
  const isTcpPort = (s: MeshService) => {
    if (!listens(s)) return false;
    const p = s.ports.find((x) => x.port === to.port);
    return p !== undefined && p.protocol !== "UDP" && !isHttpProtocol(p.protocol);
  };
  const atAddr = addr === "0.0.0.0" ? undefined : servicesByAddress.get(addr);
  let svc: MeshService | undefined = findVisible(atAddr, ns, isTcpPort);
  if (!svc && resolved && !byAddress) {
    const p = resolved.ports.find((x) => x.port === to.port);
    if (p && isHttpProtocol(p.protocol) && resolved.resolution !== "Alias") svc = resolved;
  }
  if (!svc && !findVisible(atAddr, ns, (s) => listens(s) && s.ports.some((x) => x.port === to.port))) {
    svc = rangeChoice(mesh, addr, ns, isTcpPort) ?? findVisible(servicesByAddress.get("0.0.0.0"), ns, isTcpPort);
  }
  if (svc && !imported(svc)) {
    // A listener of another service of the host: the cluster is the one the scope keeps.
    const kept = scopeChoice(mesh, ns, svc.hostname);
    if (kept?.ports.some((x) => x.port === to.port)) svc = kept;
  }
  let routed: TcpDestination | undefined;
  let notModelled: [Resource, string][] = [];
  if (!svc) {
    // REGISTRY_ONLY sends what no listener takes to BlackHoleCluster, ALLOW_ANY to PassthroughCluster
    // or to the Sidecar's egressProxy (listener_builder.go buildOutboundCatchAllNetworkFiltersOnly).
    const catchAll = registryOnly(mesh, sidecar) ? "BlackHoleCluster" : "PassthroughCluster";
    routed = catchAll === "PassthroughCluster" ? egressProxyOf(sidecar) : undefined;
    if (!routed) {
      hop.cluster = catchAll;
      hop.endpoint = catchAll === "PassthroughCluster" ? `${addr}:${to.port}` : null;
      return {
        hop,
        decidedBy: resolved ? [resolved.resource] : [],
        denial: { at: "client", reason: "MF3001", why: `no listener for ${addr}:${to.port} in the client sidecar: the call goes to ${catchAll}` },
      };
    }
  } else {
    // VirtualServices for the listener's service: a `tcp` rule may send the call to another
    // service's cluster; `tls` and `http` rules are declared, not modelled (see unmodelledClientRules).
    const listenPort = svc.ports.find((x) => x.port === to.port);
    const http = listenPort !== undefined && isHttpProtocol(listenPort.protocol);
    const tlsPort = listenPort?.protocol === "TLS" || listenPort?.protocol === "HTTPS";
    const virtualServices = clientVirtualServices(mesh, ns, svc.hostname, scoped);
    notModelled = unmodelledClientRules(virtualServices, http, tlsPort);
    routed = !http && !tlsPort ? tcpRouteFor(mesh, virtualServices, to.port, ns, labels) : undefined;
  }
  let port = to.port;
  if (routed) {
    const byVirtualService = routed.virtualService.kind === "VirtualService";
    if (routed.subset !== "")
      notModelled.push([routed.virtualService, byVirtualService ? "spec.tcp[].route[].destination.subset" : "spec.outboundTrafficPolicy.egressProxy.subset"]);
    const target = findVisible(servicesByHost.get(routed.host), ns, imported);
    // An egressProxy without port names port 0 (route.go GetDestinationCluster with no service).
    const targetPort = routed.port || (byVirtualService ? (target?.ports.length === 1 ? target.ports[0]!.port : to.port) : 0);
    hop.cluster = clusterName(targetPort, routed.host, routed.subset);
    if (!target?.ports.some((x) => x.port === targetPort)) {
      return {
        hop,
        decidedBy: [...(svc ? [svc.resource] : []), routed.virtualService],
        ...(notModelled.length > 0 ? { notModelled } : {}),
        denial: {
          at: "client",
          reason: "MF3001",
          why: `${routed.virtualService.kind} ${routed.virtualService.namespace}/${routed.virtualService.name} sends the call to ${hop.cluster}, which is not in the client's clusters (no service visible to namespace ${ns} has that host and port)`,
        },
      };
    }
    svc = target;
    port = targetPort;
  } else hop.cluster = clusterName(to.port, svc!.hostname);
  svc = svc!;
  const extra = { ...(notModelled.length > 0 ? { notModelled } : {}), ...(resolved ? { caller: resolved } : {}) };
  // A headless Service's or a NONE ServiceEntry's cluster sends to the original destination: no
  // endpoint to name, and auto mTLS is the cluster's own socket (cluster_tls.go
  // applyUpstreamTLSSettings), on only when it has instances and all of them carry a sidecar
  // (push_context.go BestEffortInferServiceMTLSMode).
  const passthrough =
    svc.resolution === "Passthrough" ||
    (svc.source === "serviceentry" && svc.resolution === "NONE") ||
    passthroughLbForPort(destinationRuleFor(mesh, ns, svc, labels), port);
  const eps = passthrough ? [] : endpointsOf(mesh, svc, port);
  const ep = eps[0];
  const tls = upstreamTls(mesh, ns, svc, port, passthrough ? passthroughSocket(mesh, svc, port) : ep, labels, true);
  hop.tls = tls.mode;
  hop.sni = tls.mode === "DISABLE" ? null : tls.sni;
  hop.sans = [...tls.sans].sort();
  const decidedBy = [svc.resource, ...(routed ? [routed.virtualService] : []), ...(tls.decidedBy ? [tls.decidedBy] : [])];
  // A unix:// endpoint (a pipe) is no address of any gateway.
  if (!ep || ep.address.startsWith("unix://")) {
    return { hop, service: svc, tls, decidedBy, ...extra, denial: { at: "client", reason: "MF3002", why: `cluster ${hop.cluster} has no endpoints` } };
  }
  hop.endpoint = `${ep.address}:${ep.port}`;
  if (!gatewayOf(hop.endpoint)) {
    return {
      hop,
      service: svc,
      tls,
      decidedBy,
      ...extra,
      denial: { at: "client", reason: "MF3002", why: `endpoint ${hop.endpoint} of ${hop.cluster} is no mesh's east-west gateway` },
    };
  }
  return { hop, service: svc, tls, decidedBy, ...extra };
}
