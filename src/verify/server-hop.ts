import { evaluateAuthz, type AuthzDecision } from "./authz.js";
import { gatewayProxy } from "./gateway-chains.js";
import { configsOf, isHttpProtocol, lookups, selects, spiffeId, targetPortFor, type MeshIndex, type MeshService, type Workload } from "./mesh-index.js";
import type { Denial, Resource } from "./types.js";
import { mapIn } from "../util/maps.js";

/** A TLS (or plaintext) connection arriving at a hop. */
export interface Leg {
  /** SPIFFE ID of the certificate the originator presents. */
  readonly peerId: string;
  /** rootCA label of the originator's mesh. */
  readonly peerRoot: string;
  readonly tls: { readonly mode: string; readonly sni: string | null; readonly sans: readonly string[] };
  /** Whether the caller speaks HTTP (its port's protocol); undefined: the destination port's own protocol. */
  readonly http?: boolean;
}

export interface ServerDecision {
  readonly denial?: Denial;
  readonly authz?: AuthzDecision;
  readonly mtlsMode: string;
  readonly peerAuthentication: Resource | null;
}

/** Trust domains a sidecar accepts (authn util.go TrustDomainsForValidation); [] when validation is skipped. */
const trustDomainCache = new WeakMap<MeshIndex, string[]>();

export function trustDomainsForValidation(mesh: MeshIndex): string[] {
  const hit = trustDomainCache.get(mesh);
  if (hit) return hit;
  const computed = computeTrustDomains(mesh);
  trustDomainCache.set(mesh, computed);
  return computed;
}

function computeTrustDomains(mesh: MeshIndex): string[] {
  if (mesh.spec.skipValidateTrustDomain) return [];
  const ca: any[] = Array.isArray(mesh.spec.meshConfig.caCertificates) ? mesh.spec.meshConfig.caCertificates : [];
  const tds = [
    mesh.spec.trustDomain,
    ...mesh.spec.trustDomainAliases,
    ...ca.flatMap((c) => (Array.isArray(c?.trustDomains) ? c.trustDomains.map(String) : [])),
  ];
  return [...new Set(tds.filter(Boolean))];
}

/**
 * The TLS handshake between an originator and a terminator, in handshake order: the client
 * checks the server's chain and SANs, then the server checks the client's trust domain.
 */
export function trustCheck(
  leg: Leg,
  serverRoot: string,
  serverId: string,
  acceptedDomains: readonly string[],
  where: string | (() => string),
): Denial | undefined {
  if (leg.tls.mode === "SIMPLE")
    return { at: "trust", reason: "MF3005", why: `${whereText(where)}: the client presents no certificate and the server requires one` };
  if (leg.tls.mode === "MUTUAL")
    return { at: "trust", reason: "MF3005", why: `${whereText(where)}: the client presents a non-Istio certificate (DestinationRule MUTUAL)` };
  if (leg.peerRoot !== serverRoot)
    return { at: "trust", reason: "MF3005", why: `${whereText(where)}: rootCA "${leg.peerRoot}" (client) differs from "${serverRoot}" (server)` };
  if (leg.tls.sans.length > 0 && !leg.tls.sans.includes(serverId)) {
    return { at: "trust", reason: "MF3007", why: `${whereText(where)}: the client verifies SANs [${leg.tls.sans.join(", ")}], the server is ${serverId}` };
  }
  if (acceptedDomains.length > 0 && !inTrustDomains(leg.peerId, acceptedDomains)) {
    return { at: "trust", reason: "MF3006", why: `${whereText(where)}: the server accepts trust domains [${acceptedDomains.join(", ")}], not ${leg.peerId}` };
  }
  return undefined;
}

/** A hop's description, built only when a denial needs it. */
function whereText(where: string | (() => string)): string {
  return typeof where === "string" ? where : where();
}

/** Each list of trust domains as a set (each mesh's list is built once). */
const domainSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Whether a SPIFFE ID is in one of the trust domains: `spiffe://<td>/…`. */
function inTrustDomains(id: string, domains: readonly string[]): boolean {
  let set = domainSets.get(domains);
  if (!set) {
    set = new Set(domains);
    domainSets.set(domains, set);
  }
  const scheme = "spiffe://";
  const slash = id.indexOf("/", scheme.length);
  return slash >= 0 && id.startsWith(scheme) && set.has(id.slice(scheme.length, slash));
}

/** The PeerAuthentication mode for a workload port: workload > namespace > root namespace; default PERMISSIVE. */
const mtlsCache = new WeakMap<object, Map<number, { mode: string; policy: Resource | null }>>();

/** The PeerAuthentication mode for a workload port (memoized per workload object and port). */
export function mtlsModeFor(mesh: MeshIndex, w: Pick<Workload, "namespace" | "labels">, port: number): { mode: string; policy: Resource | null } {
  const byPort = mapIn(mtlsCache, w);
  let hit = byPort.get(port);
  if (!hit) {
    hit = computeMtlsMode(mesh, w, port);
    byPort.set(port, hit);
  }
  return hit;
}

interface PeerAuthn {
  readonly policy: Resource;
  /** matchLabels as strings; undefined or empty: the namespace-wide policy. */
  readonly selector?: Readonly<Record<string, string>>;
}

/** A mesh's PeerAuthentications by namespace, in creation order, with their selectors. */
const peerAuthnCache = new WeakMap<MeshIndex, Map<string, PeerAuthn[]>>();

function peerAuthnsIn(mesh: MeshIndex, ns: string): readonly PeerAuthn[] {
  let byNs = peerAuthnCache.get(mesh);
  if (!byNs) {
    byNs = new Map();
    for (const p of configsOf(mesh, "PeerAuthentication")) {
      const raw = p.spec.selector?.matchLabels as Record<string, unknown> | undefined;
      const selector = raw && Object.keys(raw).length > 0 ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])) : undefined;
      const list = byNs.get(p.namespace);
      const entry = { policy: p, ...(selector ? { selector } : {}) };
      if (list) list.push(entry);
      else byNs.set(p.namespace, [entry]);
    }
    peerAuthnCache.set(mesh, byNs);
  }
  return byNs.get(ns) ?? [];
}

function computeMtlsMode(mesh: MeshIndex, w: Pick<Workload, "namespace" | "labels">, port: number): { mode: string; policy: Resource | null } {
  const inNs = peerAuthnsIn(mesh, w.namespace);
  // A policy with a selector in the root namespace is neither mesh-wide nor a workload policy:
  // ComposePeerAuthentication ignores it, also for the root namespace's own workloads
  // (pilot/pkg/security/authn/policy_applier.go:421, "not in root namespace").
  const workloadPa = w.namespace === mesh.rootNamespace ? undefined : inNs.find((p) => p.selector && selects(p.selector, w.labels))?.policy;
  const nsPa = inNs.find((p) => !p.selector)?.policy;
  const rootPa = peerAuthnsIn(mesh, mesh.rootNamespace).find((p) => !p.selector)?.policy;
  let mode = "PERMISSIVE";
  let policy: Resource | null = null;
  for (const p of [rootPa, nsPa]) {
    const m = p?.spec.mtls?.mode;
    if (p && m && m !== "UNSET") {
      mode = String(m);
      policy = p;
    }
  }
  if (workloadPa) {
    const m = workloadPa.spec.mtls?.mode;
    if (m && m !== "UNSET") {
      mode = String(m);
      policy = workloadPa;
    }
    const pl = workloadPa.spec.portLevelMtls?.[String(port)]?.mode;
    if (pl && pl !== "UNSET") {
      mode = String(pl);
      policy = workloadPa;
    }
  }
  return { mode, policy };
}

/** Whether the inbound chain for this pod port is HTTP (a Service port with an HTTP protocol targets it). */
const inboundCache = new WeakMap<Workload, Map<number, boolean>>();

function inboundIsHttp(mesh: MeshIndex, w: Workload, port: number): boolean {
  const byPort = mapIn(inboundCache, w);
  let hit = byPort.get(port);
  if (hit === undefined) {
    hit = computeInboundIsHttp(mesh, w, port);
    byPort.set(port, hit);
  }
  return hit;
}

/**
 * Several Services may target one pod port: the inbound chain takes the protocol of the oldest
 * Service (creation time, then hostname: model/context.go SetServiceTargets), first port first
 * (listener_inbound.go getFilterChainsByServicePort, "we will use the oldest Service").
 */
function computeInboundIsHttp(mesh: MeshIndex, w: Workload, port: number): boolean {
  const selecting = (lookups(mesh).kubernetesServicesByNamespace.get(w.namespace) ?? []).filter(
    (s) => Object.keys(s.selector).length > 0 && selects(s.selector, w.labels),
  );
  if (selecting.length > 1) selecting.sort(byCreationThenHostname);
  for (const s of selecting) for (const p of s.ports) if (targetPortFor(p, w) === port) return isHttpProtocol(p.protocol);
  return false;
}

/** The pod ports whose inbound chain is HTTP (a Service port of an HTTP protocol targets them, the oldest Service deciding). */
export function httpInboundPorts(mesh: MeshIndex, w: Workload): number[] {
  const ports = new Set<number>();
  for (const s of lookups(mesh).kubernetesServicesByNamespace.get(w.namespace) ?? []) {
    if (Object.keys(s.selector).length === 0 || !selects(s.selector, w.labels)) continue;
    for (const p of s.ports) {
      const target = targetPortFor(p, w);
      if (typeof target === "number" && inboundIsHttp(mesh, w, target)) ports.add(target);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** A Service's creation time in ms (Kubernetes' zero time when not written). */
function createdAt(s: MeshService): number {
  const t = s.resource.metadata.creationTimestamp;
  const ms = typeof t === "string" ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

function byCreationThenHostname(a: MeshService, b: MeshService): number {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;
}

/**
 * What the server sidecar's inbound chain for one pod port is, whoever connects: its mTLS mode
 * and the PeerAuthentication that set it, whether it is HTTP, and the pod's identity (what the
 * mesh decides for every pod, such as the trust domains it accepts, is cached per mesh). Built
 * once per workload and port: serverDecide runs for every probe and exposure candidate, and one lookup costs
 * less than looking each of these up.
 */
interface Inbound {
  readonly mode: string;
  readonly policy: Resource | null;
  readonly http: boolean;
  readonly serverId: string;
  /** The hop as denials describe it. */
  readonly where: string;
}

const inbounds = new WeakMap<Workload, Map<number, Inbound>>();

function inboundOf(mesh: MeshIndex, w: Workload, port: number): Inbound {
  const byPort = mapIn(inbounds, w);
  let hit = byPort.get(port);
  if (hit === undefined) {
    const { mode, policy } = mtlsModeFor(mesh, w, port);
    hit = {
      mode,
      policy,
      http: inboundIsHttp(mesh, w, port),
      serverId: spiffeId(mesh.spec.trustDomain, w.namespace, w.serviceAccount),
      where: `server ${w.name} port ${port}`,
    };
    byPort.set(port, hit);
  }
  return hit;
}

/** The server sidecar: inbound chain (mTLS mode), trust, then RBAC. */
export function serverDecide(mesh: MeshIndex, w: Workload, port: number, leg: Leg): ServerDecision {
  // No sidecar: no inbound listener and no RBAC; the application itself gets the bytes.
  if (!w.sidecar) return { mtlsMode: "NONE", peerAuthentication: null };
  const inbound = inboundOf(mesh, w, port);
  const { mode, policy, where } = inbound;
  let principal = "";
  if (leg.tls.mode === "DISABLE") {
    if (mode === "STRICT")
      return { mtlsMode: mode, peerAuthentication: policy, denial: { at: "server", reason: "MF3003", why: `${where}: plaintext, but mTLS is STRICT` } };
  } else {
    if (mode === "DISABLE")
      return {
        mtlsMode: mode,
        peerAuthentication: policy,
        denial: { at: "server", reason: "MF3009", why: `${where}: mTLS is DISABLE, the inbound chain does not terminate TLS` },
      };
    const d = trustCheck(leg, mesh.spec.rootCA, inbound.serverId, trustDomainsForValidation(mesh), where);
    if (d) return { mtlsMode: mode, peerAuthentication: policy, denial: d };
    principal = leg.peerId;
  }
  const http = inbound.http;
  // Raw TCP into an HTTP connection manager fails to decode (simulation traffic.go: "TCP to HCM
  // is invalid"), before any RBAC runs.
  if (http && leg.http === false) {
    return {
      mtlsMode: mode,
      peerAuthentication: policy,
      denial: { at: "server", reason: "MF3009", why: `${where}: the inbound chain speaks HTTP, the caller sends raw TCP; the connection fails to decode` },
    };
  }
  const authz = evaluateAuthz(mesh, w, { principal, port, http, sourceIp: gatewayIp(mesh), destIp: w.ip, sni: leg.tls.sni ?? "" });
  if (!authz.allowed)
    return {
      mtlsMode: mode,
      peerAuthentication: policy,
      authz,
      denial: { at: "server", reason: "MF3008", why: `${where}: ${authz.why}, denies ${principal || "(plaintext)"}` },
    };
  return { mtlsMode: mode, peerAuthentication: policy, authz };
}

const gatewayIps = new WeakMap<MeshIndex, string>();

/**
 * The address a server sidecar sees a cross-mesh connection come from: the east-west gateway
 * pod's IP (the gateway opens the upstream connection, passthrough or not); "" when the scenario
 * has no gateway pod, and then rules on source addresses are declared not modelled (MF3299).
 */
export function gatewayIp(mesh: MeshIndex): string {
  let hit = gatewayIps.get(mesh);
  if (hit === undefined) {
    hit = gatewayProxy(mesh)?.workload?.ip ?? "";
    gatewayIps.set(mesh, hit);
  }
  return hit;
}

/** The namespace-level mTLS mode (namespace PeerAuthentication, else the root namespace's), "" when none (GetNamespaceMutualTLSMode). */
const namespaceModeCache = new WeakMap<MeshIndex, Map<string, string>>();

export function namespaceMtlsMode(mesh: MeshIndex, ns: string): string {
  const byNs = mapIn(namespaceModeCache, mesh);
  let hit = byNs.get(ns);
  if (hit === undefined) {
    hit = computeNamespaceMtlsMode(mesh, ns);
    byNs.set(ns, hit);
  }
  return hit;
}

function computeNamespaceMtlsMode(mesh: MeshIndex, ns: string): string {
  const pas = configsOf(mesh, "PeerAuthentication");
  const noSelector = (p: Resource) => !p.spec.selector?.matchLabels || Object.keys(p.spec.selector.matchLabels).length === 0;
  for (const n of [ns, mesh.rootNamespace]) {
    const m = pas.find((p) => p.namespace === n && noSelector(p))?.spec.mtls?.mode;
    if (m && m !== "UNSET") return String(m);
  }
  return "";
}
