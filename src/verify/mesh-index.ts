import { parseCidrRange } from "./ip-cidr.js";
import type { MeshSpec, Resource } from "./types.js";

/** A pod of a mesh (a Pod, or the one pod a Deployment stands for). */
export interface Workload {
  /** `namespace/name` of the Pod or of its Deployment. */
  readonly name: string;
  readonly podName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly containerPorts: readonly { name?: string; containerPort: number }[];
  /** False for pods the injector skips: inject=false, the gateway template, own istio-proxy, the east-west gateway. */
  readonly sidecar: boolean;
  readonly resource: Resource;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  /** Istio protocol, upper case (TCP, HTTP, TLS, UDP, …). */
  readonly protocol: string;
  /** Kubernetes targetPort (number or name); undefined for ServiceEntries. */
  readonly targetPort?: number | string;
}

export interface SeEndpoint {
  readonly address: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** The endpoint's `locality` ("" when none): EDS lists endpoints grouped by it. */
  readonly locality: string;
}

/** A service as Istio's registry sees it: a Kubernetes Service or one host of a ServiceEntry. */
export interface MeshService {
  readonly hostname: string;
  readonly namespace: string;
  readonly source: "kubernetes" | "serviceentry";
  readonly ports: readonly ServicePort[];
  /** The address a sidecar's listener binds, `0.0.0.0` when none. */
  readonly address: string;
  /**
   * Every address the client sidecar listens on for it: a ServiceEntry's `addresses` (`address`
   * first), each its own registry service in Istio (serviceentry/conversion.go convertServices), a
   * `/32` written as the bare address, a wider range kept as `a.b.c.d/n`; a headless Service's pod
   * addresses; none for an ExternalName Service.
   */
  readonly addresses: readonly string[];
  readonly exportTo: readonly string[];
  readonly meshExternal: boolean;
  readonly resolution: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly endpoints: readonly SeEndpoint[];
  readonly subjectAltNames: readonly string[];
  readonly resource: Resource;
}

/** One mesh's resources, indexed the way the hop models need them. */
export interface MeshIndex {
  readonly spec: MeshSpec;
  readonly index: number;
  readonly workloads: readonly Workload[];
  readonly services: readonly MeshService[];
  readonly configs: readonly Resource[];
  readonly rootNamespace: string;
}

const istioGroups = [
  "networking.istio.io/",
  "security.istio.io/",
  "telemetry.istio.io/",
  "extensions.istio.io/",
  "gateway.networking.k8s.io/",
  "gateway.networking.x-k8s.io/",
];

export function isIstioApi(apiVersion: string): boolean {
  return istioGroups.some((g) => apiVersion.startsWith(g));
}

export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** Four dot-separated runs of 1-3 digits, tried where a prefix was found. */
const ipv4At = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/y;
const space = /\s/;

/** Whether c is a quote, comma or bracket, which a token may have around it. */
function isTrimmed(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x2c || c === 0x5b || c === 0x5d;
}

/**
 * The IPv4 tokens of a text that start with `prefix`: whitespace-separated tokens that, with the
 * quotes, commas and brackets around them trimmed, are four dot-separated runs of 1-3 digits.
 * The same as matching /(?:^|\s)["',[\]]*(\d{1,3}(?:\.\d{1,3}){3})["',[\]]*(?=\s|$)/g and
 * keeping the matches with that prefix, but found by indexOf: the address allocator only needs
 * the tokens of its own prefixes, and a text rarely holds them (a scan of every digit costs
 * more than the rest of a mesh's index).
 */
export function ipv4TokensWithPrefix(text: string, prefix: string, into: Set<string>): void {
  for (let i = text.indexOf(prefix); i >= 0; i = text.indexOf(prefix, i + 1)) {
    let b = i - 1;
    while (b >= 0 && isTrimmed(text.charCodeAt(b))) b--;
    if (b >= 0 && !space.test(text[b]!)) continue;
    ipv4At.lastIndex = i;
    const m = ipv4At.exec(text);
    if (m === null) continue;
    let a = ipv4At.lastIndex;
    while (a < text.length && isTrimmed(text.charCodeAt(a))) a++;
    if (a < text.length && !space.test(text[a]!)) continue;
    into.add(m[0]);
  }
}

/** A mapping's entries with their values as strings (labels, selectors); `{}` for anything else. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === "object") for (const [k, x] of Object.entries(v as object)) out[k] = String(x);
  return out;
}

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
export function isIpLiteral(s: string): boolean {
  const m = ipv4.exec(s);
  if (m) return m.slice(1).every((x) => Number(x) <= 255);
  return s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s);
}

/** Istio's protocol names (protocol.Parse, case-insensitive), in verify's upper-case spelling. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  tcp: "TCP",
  udp: "UDP",
  grpc: "GRPC",
  "grpc-web": "GRPC-WEB",
  http: "HTTP",
  http_proxy: "HTTP_PROXY",
  http2: "HTTP2",
  https: "HTTPS",
  tls: "TLS",
  mongo: "MONGO",
  redis: "REDIS",
  mysql: "MYSQL",
};

/** Ports Istio reads as TCP when the name gives no protocol (SMTP, DNS, MySQL, MongoDB: pkg/config/kube/conversion.go wellKnownPorts). */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/**
 * Istio's protocol for a Kubernetes Service port (pkg/config/kube/conversion.go ConvertProtocol):
 * UDP by the port's protocol; else `appProtocol` when set (Kubernetes' `kubernetes.io/h2c`,
 * `kubernetes.io/ws`, `kubernetes.io/wss`, or a protocol name), with no fallback to the port
 * name; else the port name's prefix before `-` (`grpc-web` as a whole); unknown names are
 * TCP on a few well-known ports and UNSUPPORTED (sniffed) elsewhere.
 */
export function protocolOf(name: string | undefined, appProtocol?: unknown, k8sProtocol?: string, port?: number): string {
  if (k8sProtocol?.toUpperCase() === "UDP") return "UDP";
  if (k8sProtocol?.toUpperCase() === "SCTP") return "SCTP";
  let n = name ?? "";
  if (appProtocol !== undefined && appProtocol !== null) {
    n = String(appProtocol);
    if (n === "kubernetes.io/h2c") return "HTTP2";
    if (n === "kubernetes.io/ws") return "HTTP";
    if (n === "kubernetes.io/wss") return "HTTPS";
  }
  if (n.length >= 8 && n.slice(0, 8).toLowerCase() === "grpc-web") return "GRPC-WEB";
  const dash = n.indexOf("-");
  const known = PROTOCOL_NAMES[(dash >= 0 ? n.slice(0, dash) : n).toLowerCase()];
  if (known) return known;
  return port !== undefined && WELL_KNOWN_TCP_PORTS.has(port) ? "TCP" : "UNSUPPORTED";
}

export function isHttpProtocol(p: string): boolean {
  return p === "HTTP" || p === "HTTP2" || p === "HTTP_PROXY" || p === "GRPC" || p === "GRPC-WEB";
}

/** Namespaces the injector never touches (pkg/kube/inject/initializer.go IgnoredNamespaces). */
const NEVER_INJECTED = new Set(["kube-system", "kube-public", "kube-node-lease", "local-path-storage"]);

/**
 * Whether a pod runs an Istio sidecar, for a pod as written before injection (a manifest or
 * a Deployment's template) and as a cluster shows it after injection (`kubectl get -o yaml`).
 * Never injected: host networking or a system namespace (inject.go injectRequired), opted out
 * with sidecar.istio.io/inject=false, the gateway template, the east-west gateway. A pod that
 * already has an `istio-proxy` container (or native sidecar init container) is a sidecar pod
 * when the injector marked it (`sidecar.istio.io/status`, webhook.go getInjectionStatus) or
 * its proxy runs as `proxy sidecar` (injection-template.yaml), and a gateway bringing its own
 * proxy otherwise (`proxy router`, gateway-injection-template.yaml). The oracle's
 * hasSidecar (conformance/oracle/mesh.go) applies the same rule.
 */
function hasSidecar(namespace: string, podSpec: any, labels: Record<string, string>, annotations: Record<string, string>, isEastWestGateway: boolean): boolean {
  if (podSpec.hostNetwork === true || NEVER_INJECTED.has(namespace)) return false;
  if (labels["sidecar.istio.io/inject"] === "false" || annotations["sidecar.istio.io/inject"] === "false") return false;
  if (annotations["inject.istio.io/templates"] === "gateway" || isEastWestGateway) return false;
  const all: any[] = [
    ...(Array.isArray(podSpec.containers) ? podSpec.containers : []),
    ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []),
  ];
  const proxy = all.find((c) => c?.name === "istio-proxy");
  if (proxy === undefined) return true;
  const args: unknown[] = Array.isArray(proxy.args) ? proxy.args : [];
  if (args.includes("router")) return false;
  return annotations["sidecar.istio.io/status"] !== undefined || args.includes("sidecar");
}

/**
 * Builds a mesh index the way the oracle loads a mesh into istiod: pods (Deployments become one
 * pod `<name>-0`), addresses allocated for pods and Services without one (same sequence as the
 * oracle, so endpoints print the same), ServiceEntries split per host.
 */
export function indexMesh(spec: MeshSpec, index: number, resources: readonly Resource[]): MeshIndex {
  const workloadPrefix = `10.${100 + index}`;
  const servicePrefix = `10.${200 + index}`;
  const alloc = addressAllocator(resources, [workloadPrefix, servicePrefix]);
  const workloads: Workload[] = [];
  const configs: Resource[] = [];
  const k8sServices: Resource[] = [];
  // Loop bodies are functions of their own: V8 optimizes a long loop together with its whole
  // function, and this one runs once per mesh (the compile would cost more than it saves).
  for (let i = 0; i < resources.length; i++) classify(resources[i]!, spec, workloads, configs, k8sServices);
  const withIps = workloads.map((w) => (w.ip ? w : { ...w, ip: alloc(workloadPrefix) }));
  const services: MeshService[] = [];
  for (const r of k8sServices) {
    const svc = kubernetesService(r, spec, () => alloc(servicePrefix));
    services.push(headlessListeners(svc, withIps));
  }
  for (let i = 0; i < configs.length; i++) if (configs[i]!.kind === "ServiceEntry") serviceEntryServices(configs[i]!, spec, services);
  for (let i = 0; i < services.length; i++) services[i] = instanceListeners(services[i]!, withIps);
  const rootNamespace = typeof spec.meshConfig.rootNamespace === "string" ? spec.meshConfig.rootNamespace : "istio-system";
  return { spec, index, workloads: withIps, services, configs, rootNamespace };
}

/**
 * Allocates addresses under the given prefixes (one sequence for all of them, as the oracle
 * does) that no resource writes: addresses written anywhere in the resources (whitespace-
 * separated tokens, quotes and brackets trimmed) never collide. Only IPv4 tokens of the
 * allocator's prefixes can equal an allocated address.
 */
function addressAllocator(resources: readonly Resource[], prefixes: readonly string[]): (prefix: string) => string {
  const used = new Set<string>();
  // One text for the scan, the resources' joined by a newline, which ends a token as the end of
  // a text does: a native search over it, where a loop over thousands of texts is a long loop
  // that V8 compiles on the stack for the next meshes.
  const all = resources.map((r) => r.text).join("\n");
  for (const p of prefixes) ipv4TokensWithPrefix(all, `${p}.`, used);
  let next = 0;
  return (prefix) => {
    for (;;) {
      next++;
      const ip = `${prefix}.${Math.floor(next / 250)}.${(next % 250) + 2}`;
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
}

/** Sorts a resource into Istio configs, Kubernetes Services and workloads. */
function classify(r: Resource, spec: MeshSpec, workloads: Workload[], configs: Resource[], k8sServices: Resource[]): void {
  if (isIstioApi(r.apiVersion)) {
    configs.push(r);
    return;
  }
  if (r.kind === "Service") k8sServices.push(r);
  if (r.kind === "Pod" || r.kind === "Deployment") workloads.push(workloadOf(r, spec));
}

/** A Pod, or a Deployment as its one pod `<name>-0`, as a workload (its address allocated later when it has none). */
function workloadOf(r: Resource, spec: MeshSpec): Workload {
  const pod = r.kind === "Pod" ? { metadata: r.metadata, spec: r.spec } : (r.spec.template ?? {});
  const podSpec = pod.spec ?? {};
  const labels = strMap(pod.metadata?.labels);
  const annotations = strMap(pod.metadata?.annotations);
  const containers: any[] = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  const gw = spec.eastWestGateway;
  const sidecar = hasSidecar(r.namespace, podSpec, labels, annotations, gw !== undefined && r.namespace === gw.namespace && selects(gw.selector, labels));
  // What the injector adds (the gateway template does not): auto mTLS and the SNI-DNAT EDS filter key on it.
  if (sidecar && labels["security.istio.io/tlsMode"] === undefined) labels["security.istio.io/tlsMode"] = "istio";
  const containerPorts = containers.flatMap((c: any) => (Array.isArray(c?.ports) ? c.ports : []));
  return {
    name: `${r.namespace}/${r.name}`,
    podName: r.kind === "Pod" ? r.name : `${r.name}-0`,
    namespace: r.namespace,
    serviceAccount: podSpec.serviceAccountName || podSpec.serviceAccount || "default",
    labels,
    ip: r.kind === "Pod" && typeof r.status.podIP === "string" && r.status.podIP ? r.status.podIP : "",
    containerPorts,
    sidecar,
    resource: r,
  };
}

/**
 * A headless Service listens on its pods' addresses, not on 0.0.0.0 (listener.go
 * buildSidecarOutboundListeners: one listener per endpoint for a Passthrough service without
 * address); an ExternalName Service listens nowhere.
 */
function headlessListeners(svc: MeshService, workloads: readonly Workload[]): MeshService {
  if (svc.resolution === "Alias") return { ...svc, addresses: [] };
  if (svc.resolution !== "Passthrough") return svc;
  const selected = Object.keys(svc.selector).length === 0 ? [] : workloads.filter((w) => w.namespace === svc.namespace && selects(svc.selector, w.labels));
  return { ...svc, addresses: selected.map((w) => w.ip) };
}

/**
 * A ServiceEntry with resolution NONE, no addresses and a workloadSelector listens on the
 * addresses of the pods it selects, not on 0.0.0.0 (the same code as headlessListeners: only
 * an entry without selector falls back to the wildcard listener).
 */
function instanceListeners(svc: MeshService, workloads: readonly Workload[]): MeshService {
  if (svc.source !== "serviceentry" || svc.resolution !== "NONE" || svc.address !== "0.0.0.0" || Object.keys(svc.selector).length === 0) return svc;
  return { ...svc, addresses: workloads.filter((w) => w.namespace === svc.namespace && selects(svc.selector, w.labels)).map((w) => w.ip) };
}

/** A Kubernetes Service; `alloc` gives it a cluster IP when it has none (not an ExternalName). */
function kubernetesService(r: Resource, spec: MeshSpec, alloc: () => string): MeshService {
  let address = typeof r.spec.clusterIP === "string" && r.spec.clusterIP ? r.spec.clusterIP : "";
  if (r.spec.type !== "ExternalName" && !address) address = alloc();
  if (address === "None") address = "0.0.0.0";
  const ann = strMap(r.metadata.annotations)["networking.istio.io/exportTo"];
  const defaultExport = spec.meshConfig.defaultServiceExportTo;
  return {
    hostname: `${r.name}.${r.namespace}.svc.${spec.clusterDomain}`,
    namespace: r.namespace,
    source: "kubernetes",
    ports: (Array.isArray(r.spec.ports) ? r.spec.ports : []).map((p: any) => ({
      name: String(p?.name ?? ""),
      port: Number(p?.port),
      protocol: protocolOf(p?.name, p?.appProtocol, p?.protocol, Number(p?.port)),
      targetPort: p?.targetPort ?? Number(p?.port),
    })),
    address: address || "0.0.0.0",
    addresses: [address || "0.0.0.0"],
    exportTo: ann
      ? ann
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : Array.isArray(defaultExport)
        ? defaultExport
        : ["*"],
    meshExternal: false,
    // kube/conversion.go: an ExternalName Service is an alias (no listener, no cluster); a headless
    // one resolves by the original destination.
    resolution: r.spec.type === "ExternalName" && r.spec.externalName ? "Alias" : address === "0.0.0.0" ? "Passthrough" : "ClientSideLB",
    selector: strMap(r.spec.selector),
    endpoints: [],
    subjectAltNames: [],
    resource: r,
  };
}

/** A ServiceEntry's services, one per host, added to `services`. */
function serviceEntryServices(r: Resource, spec: MeshSpec, services: MeshService[]): void {
  const s = r.spec;
  const defaultExport = spec.meshConfig.defaultServiceExportTo;
  const hosts: string[] = Array.isArray(s.hosts) ? s.hosts.map(String) : [];
  const addresses: string[] = (Array.isArray(s.addresses) ? s.addresses.map(String) : []).flatMap(listenAddress);
  const ports: ServicePort[] = (Array.isArray(s.ports) ? s.ports : []).map((p: any) => ({
    name: String(p?.name ?? ""),
    port: Number(p?.number),
    protocol: p?.protocol ? String(p.protocol).toUpperCase() : "UNSUPPORTED",
    ...(p?.targetPort ? { targetPort: Number(p.targetPort) } : {}),
  }));
  const endpoints: SeEndpoint[] = (Array.isArray(s.endpoints) ? s.endpoints : []).map((e: any) => ({
    address: String(e?.address ?? ""),
    ports: Object.fromEntries(Object.entries(e?.ports ?? {}).map(([k, v]) => [k, Number(v)])),
    labels: strMap(e?.labels),
    serviceAccount: typeof e?.serviceAccount === "string" ? e.serviceAccount : "",
    locality: typeof e?.locality === "string" ? e.locality : "",
  }));
  for (const h of hosts) {
    services.push({
      hostname: h,
      namespace: r.namespace,
      source: "serviceentry",
      ports,
      address: addresses[0] ?? "0.0.0.0",
      addresses: addresses.length > 0 ? addresses : ["0.0.0.0"],
      exportTo: Array.isArray(s.exportTo) ? s.exportTo.map(String) : Array.isArray(defaultExport) ? defaultExport : ["*"],
      // Location is MESH_EXTERNAL unless written MESH_INTERNAL (the enum's zero value).
      meshExternal: s.location !== "MESH_INTERNAL",
      resolution: typeof s.resolution === "string" ? s.resolution : "NONE",
      selector: strMap(s.workloadSelector?.labels),
      endpoints,
      subjectAltNames: Array.isArray(s.subjectAltNames) ? s.subjectAltNames.map(String) : [],
      resource: r,
    });
  }
}

/**
 * A ServiceEntry address as Istio keeps it (conversion.go convertServices): an IP as written, a
 * CIDR covering one address as that address, a wider CIDR as written; anything else is dropped.
 */
function listenAddress(a: string): string[] {
  if (isIpLiteral(a)) return [a];
  const range = parseCidrRange(a);
  if (!range || !a.includes("/")) return [];
  return range.prefix === range.bits ? [a.slice(0, a.indexOf("/"))] : [a];
}

/** Whether a resource with this exportTo in namespace `own` is visible to namespace `ns`. */
export function visibleTo(exportTo: readonly string[], own: string, ns: string): boolean {
  if (exportTo.length === 0) return true;
  return exportTo.some((e) => e === "*" || (e === "." && own === ns) || e === ns);
}

/** Istio configs of a kind (any API version). */
const configsByKind = new WeakMap<MeshIndex, Map<string, readonly Resource[]>>();

/**
 * A mesh's configs of one kind, in Istio's creation order. Indexed once per mesh: the hop
 * models ask for the same kinds for every probe and every exposure candidate. The list is
 * shared: callers must not change it.
 */
export function configsOf(mesh: MeshIndex, kind: string): readonly Resource[] {
  let byKind = configsByKind.get(mesh);
  if (!byKind) {
    byKind = indexConfigs(mesh);
    configsByKind.set(mesh, byKind);
  }
  return byKind.get(kind) ?? [];
}

function indexConfigs(mesh: MeshIndex): Map<string, readonly Resource[]> {
  const lists = new Map<string, Resource[]>();
  for (const c of mesh.configs) {
    // Gateway API kinds share names with Istio's (Gateway): they are kept apart under their group.
    const key = c.apiVersion.startsWith("gateway.networking.") ? `${c.apiVersion.split("/")[0]}/${c.kind}` : c.kind;
    const list = lists.get(key);
    if (list) list.push(c);
    else lists.set(key, [c]);
  }
  const byKind = new Map<string, readonly Resource[]>();
  for (const [k, list] of lists) byKind.set(k, list.sort(creationOrder));
  return byKind;
}

/** Lookup tables of a mesh, built on first use: the hop models ask the same questions for every probe. */
export interface MeshLookups {
  /** Services by hostname, in `mesh.services` order. */
  readonly servicesByHost: ReadonlyMap<string, readonly MeshService[]>;
  /** Services by listener address (each of their addresses but CIDR ranges), in `mesh.services` order. */
  readonly servicesByAddress: ReadonlyMap<string, readonly MeshService[]>;
  /** Services with a CIDR range among their addresses, in `mesh.services` order. */
  readonly servicesWithRanges: readonly MeshService[];
  /** Kubernetes Services by namespace, in `mesh.services` order. */
  readonly kubernetesServicesByNamespace: ReadonlyMap<string, readonly MeshService[]>;
  /** Workloads by namespace, in `mesh.workloads` order. */
  readonly workloadsByNamespace: ReadonlyMap<string, readonly Workload[]>;
  /** The first workload with each pod IP. */
  readonly workloadByIp: ReadonlyMap<string, Workload>;
}

const lookupCache = new WeakMap<MeshIndex, MeshLookups>();

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function lookups(mesh: MeshIndex): MeshLookups {
  let hit = lookupCache.get(mesh);
  if (!hit) {
    hit = computeLookups(mesh);
    lookupCache.set(mesh, hit);
  }
  return hit;
}

// Kept out of the getter: the getter runs for every probe and is optimized; the build runs once per mesh.
// The loop bodies are functions of their own: V8 then optimizes them as they get hot rather than
// compiling the whole build on the stack for the last meshes, which costs more than it saves.
function computeLookups(mesh: MeshIndex): MeshLookups {
  const l: LookupBuilder = {
    servicesByHost: new Map(),
    servicesByAddress: new Map(),
    servicesWithRanges: [],
    kubernetesServicesByNamespace: new Map(),
    workloadsByNamespace: new Map(),
    workloadByIp: new Map(),
  };
  for (let i = 0; i < mesh.services.length; i++) indexService(l, mesh.services[i]!);
  for (let i = 0; i < mesh.workloads.length; i++) indexWorkload(l, mesh.workloads[i]!);
  return l;
}

/** MeshLookups while they are built. */
interface LookupBuilder {
  readonly servicesByHost: Map<string, MeshService[]>;
  readonly servicesByAddress: Map<string, MeshService[]>;
  readonly servicesWithRanges: MeshService[];
  readonly kubernetesServicesByNamespace: Map<string, MeshService[]>;
  readonly workloadsByNamespace: Map<string, Workload[]>;
  readonly workloadByIp: Map<string, Workload>;
}

function indexService(l: LookupBuilder, s: MeshService): void {
  push(l.servicesByHost, s.hostname, s);
  let ranged = false;
  for (let i = 0; i < s.addresses.length; i++) {
    const a = s.addresses[i]!;
    if (a.includes("/")) ranged = true;
    // Each address once (a service may repeat one).
    else if (s.addresses.indexOf(a) === i) push(l.servicesByAddress, a, s);
  }
  if (ranged) l.servicesWithRanges.push(s);
  if (s.source === "kubernetes") push(l.kubernetesServicesByNamespace, s.namespace, s);
}

function indexWorkload(l: LookupBuilder, w: Workload): void {
  push(l.workloadsByNamespace, w.namespace, w);
  if (!l.workloadByIp.has(w.ip)) l.workloadByIp.set(w.ip, w);
}

/**
 * The first of `candidates` (a subsequence of `mesh.services`) that is visible to namespace
 * `ns` and satisfies `pred`, in sidecar scope order: the namespace's own services first. The
 * same answer as `servicesVisibleTo(mesh, ns).find(...)` restricted to the candidates.
 */
export function findVisible(
  candidates: readonly MeshService[] | undefined,
  ns: string,
  pred: (s: MeshService) => boolean = () => true,
): MeshService | undefined {
  if (!candidates) return undefined;
  let other: MeshService | undefined;
  for (const s of candidates) {
    if (s.namespace === ns) {
      if (visibleTo(s.exportTo, s.namespace, ns) && pred(s)) return s;
    } else if (!other && visibleTo(s.exportTo, s.namespace, ns) && pred(s)) other = s;
  }
  return other;
}

/**
 * A document without `metadata.creationTimestamp` (a file, not a live object) counts as created
 * at one fixed instant, the same the oracle gives it (conformance/oracle/mesh.go configEpoch), so
 * such configs order by name and namespace among themselves and against dated ones alike.
 */
const configEpoch = "2026-01-01T00:00:00Z";

export function creationTime(r: Resource): string {
  const t = r.metadata.creationTimestamp;
  return t === undefined || t === null || t === "" ? configEpoch : String(t);
}

/** Creation order Istio uses for config: creationTimestamp, then name, then namespace. */
export function creationOrder(a: Resource, b: Resource): number {
  const ta = creationTime(a);
  const tb = creationTime(b);
  return ta < tb ? -1 : ta > tb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

export function spiffeId(trustDomain: string, ns: string, sa: string): string {
  return `spiffe://${trustDomain}/ns/${ns}/sa/${sa}`;
}

/** Kubernetes targetPort of a Service port for a pod (named ports resolve through container ports). */
export function targetPortFor(port: ServicePort, w: Workload): number {
  const tp = port.targetPort;
  if (typeof tp === "number" && tp !== 0) return tp;
  if (typeof tp === "string" && tp !== "") {
    if (/^\d+$/.test(tp)) return Number(tp);
    const c = w.containerPorts.find((x) => x.name === tp);
    if (c) return Number(c.containerPort);
  }
  return port.port;
}
