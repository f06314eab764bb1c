import { byCreation, outboundSniFor } from "./destination-rule.js";
import { clusterName, servicesVisibleTo } from "./client-hop.js";
import { destinationRuleFor } from "./destination-rule.js";
import { hostMatches } from "./hosts.js";
import { configsOf, lookups, selects, targetPortFor, type MeshIndex, type MeshService, type ServicePort, type Workload } from "./mesh-index.js";
import type { Resource } from "./types.js";
import { mapIn } from "../util/maps.js";

/** One filter chain of the east-west gateway's listener on its port. */
export interface GatewayChain {
  /** SNI server names the chain matches (empty: any SNI). */
  readonly serverNames: readonly string[];
  /** AUTO_PASSTHROUGH: an SNI-DNAT cluster, matched only with Istio's mTLS ALPNs. */
  readonly passthrough: boolean;
  /** The gateway terminates TLS (ISTIO_MUTUAL, SIMPLE, MUTUAL servers); false for both passthrough kinds. */
  readonly terminates: boolean;
  /** The server's `tls.mode` (AUTO_PASSTHROUGH, PASSTHROUGH, ISTIO_MUTUAL, ...), "" for an opaque TCP server. */
  readonly serverMode: string;
  readonly cluster: string | null;
  readonly service?: MeshService;
  readonly port?: number;
  readonly gateway: Resource;
  readonly serverIndex: number;
}

/** The east-west gateway of a mesh as Istio sees the proxy (its namespace and labels also select its AuthorizationPolicies). */
export interface GatewayProxy {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly workload?: Workload;
}

export interface GatewayListener {
  readonly proxy: GatewayProxy;
  readonly chains: readonly GatewayChain[];
  /** Server names that two chains share: Envoy rejects the whole listener. */
  readonly conflicts: readonly string[];
  /** Servers Istio skipped: for duplicate hosts (CheckDuplicates), or behind an older plaintext server on the port (`holder`). */
  readonly skipped: readonly { gateway: Resource; serverIndex: number; hosts: string[]; holder?: string }[];
  readonly gateways: readonly Resource[];
  /** Whether a Gateway server with this port number listens where connections to the gateway's address and port arrive (see gatewayPorts). */
  readonly listensOnArrival: (serverPort: number) => boolean;
  /** The gateway pod's port where those connections arrive (the destination port its RBAC filters see). */
  readonly arrival: number;
}

const proxyCache = new WeakMap<MeshIndex, { proxy: GatewayProxy | undefined }>();

/** The east-west gateway proxy of a mesh: the first pod its selector picks in its namespace (found once per mesh). */
export function gatewayProxy(mesh: MeshIndex): GatewayProxy | undefined {
  let hit = proxyCache.get(mesh);
  if (!hit) {
    hit = { proxy: computeGatewayProxy(mesh) };
    proxyCache.set(mesh, hit);
  }
  return hit.proxy;
}

function computeGatewayProxy(mesh: MeshIndex): GatewayProxy | undefined {
  const g = mesh.spec.eastWestGateway;
  if (!g) return undefined;
  const w = (lookups(mesh).workloadsByNamespace.get(g.namespace) ?? []).find((x) => selects(g.selector, x.labels));
  return w
    ? { namespace: g.namespace, serviceAccount: w.serviceAccount, labels: w.labels, workload: w }
    : { namespace: g.namespace, serviceAccount: g.serviceAccount, labels: g.selector };
}

/** Whether a Gateway port protocol is HTTP-like (HTTP, HTTP2, GRPC): merges with another HTTP server. */
function isHttpName(p: string): boolean {
  return p === "HTTP" || p === "HTTP2" || p === "GRPC" || p === "GRPC-WEB";
}

/** `./h` and `*\/h` as Istio sanitizes them (sanitizeServerHostNamespace). */
function sanitizeHost(h: string, ns: string): string {
  if (h.startsWith("./")) return `${ns}/${h.slice(2)}`;
  if (h.startsWith("*/")) return h.slice(2);
  return h;
}

/** The SNI host of a server host: the part after `ns/` (GetSNIHostsForServer drops the namespace). */
function sniHost(h: string): string {
  const i = h.indexOf("/");
  return i >= 0 ? h.slice(i + 1) : h;
}

/** Where a VirtualService route sends a connection: host, port (0: the service's only port), subset. */
interface RouteDestination {
  readonly host: string;
  readonly port: number;
  readonly subset: string;
}

/**
 * The route of the first VirtualService bound to the gateway whose hosts match a server host
 * (given as sanitizeHost leaves it). A server host `ns/host` only takes VirtualServices of
 * namespace `ns` (gateway.go pickMatchingGatewayHosts).
 */
function vsTcpRoute(mesh: MeshIndex, gw: Resource, serverHost: string, port: number): RouteDestination | undefined {
  const slash = serverHost.indexOf("/");
  const host = slash >= 0 ? serverHost.slice(slash + 1) : serverHost;
  for (const vs of configsOf(mesh, "VirtualService")) {
    if (slash >= 0 && serverHost.slice(0, slash) !== vs.namespace) continue;
    if (!boundTo(vs, gw)) continue;
    const hosts: string[] = Array.isArray(vs.spec.hosts) ? vs.spec.hosts.map(String) : [];
    if (!hosts.some((h) => hostMatches(host, h) || hostMatches(h, host) || h === "*")) continue;
    for (const r of Array.isArray(vs.spec.tcp) ? vs.spec.tcp : []) {
      const matches: any[] = Array.isArray(r?.match) ? r.match : [];
      if (matches.length > 0 && !matches.some((m) => m?.port === undefined || Number(m.port) === port)) continue;
      const d = destinationOf(mesh, vs, r);
      if (d) return d;
    }
  }
  return undefined;
}

const disablePortTranslation = "experimental.istio.io/disable-gateway-port-translation";

/**
 * Ports of the gateway pod. `arrival`: where a connection to the gateway's address and port
 * lands, the targetPort of that port on a Service selecting the pod (kube-proxy forwards there).
 * `listenerOf`: the port a Gateway server's number listens on (model/gateway.go resolvePorts
 * with legacy selectors): the targetPort of the first selecting Service with that port, unless
 * the Service opts out of translation, else the number itself.
 */
function gatewayPorts(mesh: MeshIndex, proxy: GatewayProxy, port: number): { arrival: number; listenerOf: (n: number) => number } {
  const services = (lookups(mesh).kubernetesServicesByNamespace.get(proxy.namespace) ?? []).filter(
    (svc) => Object.keys(svc.selector).length > 0 && selects(svc.selector, proxy.labels),
  );
  const target = (p: ServicePort): number => (proxy.workload ? targetPortFor(p, proxy.workload) : Number(p.targetPort ?? p.port) || p.port);
  const targetOf = (n: number, translating: boolean): number | undefined => {
    for (const svc of services) {
      if (translating && svc.resource.metadata.labels?.[disablePortTranslation] !== undefined) continue;
      const p = svc.ports.find((x) => x.port === n);
      if (p) return target(p);
    }
    return undefined;
  };
  return { arrival: targetOf(port, false) ?? port, listenerOf: (n) => targetOf(n, true) ?? n };
}

/** Whether a VirtualService is bound to a Gateway (`ns/name`, or `name` in the VirtualService's namespace). */
function boundTo(vs: Resource, gw: Resource): boolean {
  const gws: string[] = Array.isArray(vs.spec.gateways) ? vs.spec.gateways.map(String) : [];
  return gws.some((x) => x === `${gw.namespace}/${gw.name}` || (x === gw.name && vs.namespace === gw.namespace));
}

/** The destination of a route's first target, its short host qualified in the VirtualService's namespace. */
function destinationOf(mesh: MeshIndex, vs: Resource, route: any): RouteDestination | undefined {
  const d = route?.route?.[0]?.destination;
  if (!d?.host) return undefined;
  const h = String(d.host).includes(".") ? String(d.host) : `${d.host}.${vs.namespace}.svc.${mesh.spec.clusterDomain}`;
  return { host: h, port: Number(d.port?.number ?? 0), subset: d.subset ? String(d.subset) : "" };
}

/**
 * The filter chains a PASSTHROUGH server gets (gateway.go buildGatewayNetworkFiltersFromTLSRoutes):
 * for each VirtualService bound to the gateway whose hosts match a server host
 * (pickMatchingGatewayHosts, `ns/host` only for namespace ns), each `tls` rule with a route,
 * one chain per match on this port and gateway, naming the match's `sniHosts`.
 */
function vsTlsRoutes(mesh: MeshIndex, gw: Resource, serverHosts: readonly string[], port: number): (RouteDestination & { sniHosts: string[] })[] {
  const out: (RouteDestination & { sniHosts: string[] })[] = [];
  for (const vs of configsOf(mesh, "VirtualService")) {
    if (!boundTo(vs, gw)) continue;
    const vsHosts: string[] = Array.isArray(vs.spec.hosts) ? vs.spec.hosts.map(String) : [];
    const matching = serverHosts.some((sh) => {
      const slash = sh.indexOf("/");
      if (slash >= 0 && sh.slice(0, slash) !== vs.namespace) return false;
      const h = slash >= 0 ? sh.slice(slash + 1) : sh;
      return vsHosts.some((v) => hostMatches(h, v) || hostMatches(v, h) || v === "*" || h === "*");
    });
    if (!matching) continue;
    for (const rule of Array.isArray(vs.spec.tls) ? vs.spec.tls : []) {
      if (!Array.isArray(rule?.route) || rule.route.length === 0) continue;
      const dest = destinationOf(mesh, vs, rule);
      for (const m of Array.isArray(rule?.match) ? rule.match : []) {
        if (m?.port !== undefined && m?.port !== null && Number(m.port) !== 0 && Number(m.port) !== port) continue;
        const gateways: string[] = Array.isArray(m?.gateways) ? m.gateways.map(String) : [];
        if (gateways.length > 0 && !gateways.some((x) => x === `${gw.namespace}/${gw.name}` || (x === gw.name && vs.namespace === gw.namespace))) continue;
        const sniHosts: string[] = Array.isArray(m?.sniHosts) ? m.sniHosts.map(String) : [];
        if (dest) out.push({ sniHosts, ...dest });
      }
    }
  }
  return out;
}

/**
 * The filter chains Istio builds on the east-west gateway's port: Gateways selecting the
 * gateway pod, merged in creation order (a TLS server repeating a host already on the port is
 * skipped whole); AUTO_PASSTHROUGH servers get one chain per (service, port, subset) visible
 * to the gateway namespace whose host is covered by a server host (builtAutoPassthroughFilterChains).
 */
export function gatewayListener(mesh: MeshIndex): GatewayListener | undefined {
  const g = mesh.spec.eastWestGateway;
  const proxy = gatewayProxy(mesh);
  if (!g || !proxy) return undefined;
  const gateways = configsOf(mesh, "Gateway")
    .filter((gw) => gw.apiVersion.startsWith("networking.istio.io/"))
    .filter((gw) => selects(Object.fromEntries(Object.entries(gw.spec.selector ?? {}).map(([k, v]) => [k, String(v)])), proxy.labels))
    .sort(byCreation);
  const ports = gatewayPorts(mesh, proxy, g.port);
  const chains: GatewayChain[] = [];
  const skipped: { gateway: Resource; serverIndex: number; hosts: string[]; holder?: string }[] = [];
  const known = new Set<string>();
  const routedSni = new Set<string>();
  let plainProtocol: string | undefined;
  /**
   * The chain of a VirtualService route: its destination among the services the gateway sees,
   * the port the route names (else the service's only port). tcp routes are followed without
   * their subset, as before; tls routes with it.
   */
  const routeChain = (d: RouteDestination, serverNames: string[], serverMode: string, gw: Resource, serverIndex: number, subset: string): GatewayChain => {
    const svc = visible.find((x) => x.hostname === d.host);
    const port = d.port ? d.port : svc?.ports.length === 1 ? svc.ports[0]!.port : 0;
    return {
      serverNames,
      passthrough: false,
      terminates: serverMode !== "" && serverMode !== "PASSTHROUGH",
      serverMode,
      cluster: svc && port ? clusterName(port, svc.hostname, subset) : null,
      ...(svc ? { service: svc } : {}),
      ...(port ? { port } : {}),
      gateway: gw,
      serverIndex,
    };
  };
  const visible = servicesVisibleTo(mesh, proxy.namespace);
  // Positions in `visible` by hostname: a server with exact hosts looks its services up
  // instead of testing every visible service.
  const positions = new Map<string, number[]>();
  visible.forEach((svc, i) => {
    const list = positions.get(svc.hostname);
    if (list) list.push(i);
    else positions.set(svc.hostname, [i]);
  });
  /** Visible services whose hostname a server host covers, in `visible` order. */
  const coveredServices = (hosts: readonly string[]): MeshService[] => {
    if (hosts.some((h) => h.includes("*"))) return visible.filter((svc) => hosts.some((h) => hostMatches(svc.hostname, h)));
    const at = [...new Set(hosts.flatMap((h) => positions.get(h) ?? []))].sort((a, b) => a - b);
    return at.map((i) => visible[i]!);
  };
  for (const gw of gateways) {
    const servers: any[] = Array.isArray(gw.spec.servers) ? gw.spec.servers : [];
    servers.forEach((s, serverIndex) => {
      const serverPort = Number(s?.port?.number);
      if (ports.listenerOf(serverPort) !== ports.arrival) return;
      const hosts: string[] = (Array.isArray(s.hosts) ? s.hosts.map(String) : []).map((h: string) => sanitizeHost(h, gw.namespace));
      const protocol = String(s?.port?.protocol ?? "").toUpperCase();
      const mode = String(s?.tls?.mode ?? "");
      if (s.tls) {
        const dups = hosts.filter((h) => known.has(h));
        if (dups.length > 0) {
          skipped.push({ gateway: gw, serverIndex, hosts: dups });
          return;
        }
        for (const h of hosts) known.add(h);
      }
      // model/gateway.go mergeGateways: once a plaintext server holds the port, a server whose
      // protocol cannot merge with it (anything but HTTP after HTTP) is skipped.
      if (plainProtocol !== undefined) {
        if (!(plainProtocol.startsWith("HTTP") && !s.tls && isHttpName(protocol))) {
          skipped.push({ gateway: gw, serverIndex, hosts: [], holder: plainProtocol });
          return;
        }
      } else if (!s.tls) {
        plainProtocol = protocol;
        // An opaque TCP server forwards by its tcp route whatever arrives, TLS included.
        if (!isHttpName(protocol)) {
          const route = hosts.map((h) => vsTcpRoute(mesh, gw, h, serverPort)).find((r) => r !== undefined);
          if (route) chains.push(routeChain(route, [], "", gw, serverIndex, ""));
        }
        return;
      }
      const sni = hosts.map(sniHost);
      if (mode === "AUTO_PASSTHROUGH") {
        for (const svc of coveredServices(sni)) {
          if (svc.meshExternal) continue;
          const dr = destinationRuleFor(mesh, proxy.namespace, svc, proxy.labels);
          const subsets: string[] = (Array.isArray(dr?.spec.subsets) ? dr!.spec.subsets : []).map((x: any) => String(x?.name ?? ""));
          for (const p of svc.ports) {
            if (p.protocol === "UDP") continue;
            for (const subset of ["", ...subsets]) {
              chains.push({
                serverNames: [outboundSniFor(p.port, svc.hostname, subset)],
                passthrough: true,
                terminates: false,
                serverMode: "AUTO_PASSTHROUGH",
                cluster: clusterName(p.port, svc.hostname, subset),
                service: svc,
                port: p.port,
                gateway: gw,
                serverIndex,
              });
            }
          }
        }
      } else if (mode === "PASSTHROUGH") {
        for (const r of vsTlsRoutes(mesh, gw, hosts, serverPort)) {
          // Two rules naming one SNI host: istiod keeps the first (gateway.go CheckDuplicates).
          const fresh = r.sniHosts.filter((h) => !routedSni.has(h));
          if (fresh.length < r.sniHosts.length) continue;
          for (const h of r.sniHosts) routedSni.add(h);
          chains.push(routeChain(r, r.sniHosts, "PASSTHROUGH", gw, serverIndex, r.subset));
        }
      } else if (mode === "ISTIO_MUTUAL" || mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") {
        // A terminating server without a VirtualService tcp route gets no chain (createGatewayTCPFilterChainOpts).
        const route = hosts.map((h) => vsTcpRoute(mesh, gw, h, serverPort)).find((r) => r !== undefined);
        if (!route) return;
        chains.push(routeChain(route, sni.includes("*") ? [] : sni, mode, gw, serverIndex, ""));
      }
    });
  }
  const seen = new Map<string, number>();
  for (const c of chains.filter((x) => x.passthrough)) for (const n of c.serverNames) seen.set(n, (seen.get(n) ?? 0) + 1);
  const conflicts = [...seen.entries()]
    .filter(([, n]) => n > 1)
    .map(([k]) => k)
    .sort();
  return { proxy, chains, conflicts, skipped, gateways, listensOnArrival: (n) => ports.listenerOf(n) === ports.arrival, arrival: ports.arrival };
}

interface ChainIndex {
  /** The first chain naming each exact server name. */
  readonly exact: ReadonlyMap<string, GatewayChain>;
  /** Wildcard server names (`*.x`) with their chain, in chain order. */
  readonly wildcards: readonly { name: string; chain: GatewayChain }[];
  /** The first terminating chain without server names. */
  readonly catchAll?: GatewayChain;
}

/** Chain lookups per listener and ALPN (true: every chain; false: only terminating chains). */
const chainIndexes = new WeakMap<GatewayListener, Map<boolean, ChainIndex>>();

function chainIndex(listener: GatewayListener, istioAlpn: boolean): ChainIndex {
  const byAlpn = mapIn(chainIndexes, listener);
  let hit = byAlpn.get(istioAlpn);
  if (!hit) {
    const exact = new Map<string, GatewayChain>();
    const wildcards: { name: string; chain: GatewayChain }[] = [];
    let catchAll: GatewayChain | undefined;
    for (const c of listener.chains) {
      if (!istioAlpn && c.passthrough) continue;
      for (const n of c.serverNames) {
        // With Istio's ALPNs, an AUTO_PASSTHROUGH chain (which matches them) is more specific
        // than a chain for the same name without ALPNs (Envoy's filter chain match order).
        const had = exact.get(n);
        if (!had || (istioAlpn && c.passthrough && !had.passthrough)) exact.set(n, c);
        if (n.startsWith("*")) wildcards.push({ name: n, chain: c });
      }
      if (!catchAll && c.serverNames.length === 0 && !c.passthrough) catchAll = c;
    }
    hit = { exact, wildcards, ...(catchAll ? { catchAll } : {}) };
    byAlpn.set(istioAlpn, hit);
  }
  return hit;
}

/** The chain an SNI selects: exact server name first, then the longest wildcard, then a chain without names. */
export function matchChain(listener: GatewayListener, sni: string | null, istioAlpn = true): { chain: GatewayChain; matched: string } | undefined {
  const index = chainIndex(listener, istioAlpn);
  if (sni) {
    const exact = index.exact.get(sni);
    if (exact) return { chain: exact, matched: sni };
    let best: { chain: GatewayChain; matched: string } | undefined;
    for (const { name, chain } of index.wildcards) {
      if (sni.endsWith(name.slice(1)) && sni.length > name.length - 1 && (!best || name.length > best.matched.length)) best = { chain, matched: name };
    }
    if (best) return best;
  }
  const any = index.catchAll;
  // Istio names no gateway TCP filter chain: a chain without server names reports no match name.
  return any ? { chain: any, matched: "" } : undefined;
}
