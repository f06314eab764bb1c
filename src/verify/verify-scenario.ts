import { evaluateAuthz, expandPrincipals, policiesFor, type AuthzDecision } from "./authz.js";
import { clientHop, endpointsOf, upstreamTls, type ClientRoute } from "./client-hop.js";
import { gatewayListener, gatewayProxy, matchChain, type GatewayChain, type GatewayListener } from "./gateway-chains.js";
import { configsOf, indexMesh, isHttpProtocol, lookups, spiffeId, type MeshIndex, type Workload } from "./mesh-index.js";
import { destinationRuleFor, hasSelectorRules, tlsForPort } from "./destination-rule.js";
import { sidecarFor, sidecarImports } from "./sidecar-scope.js";
import { gatewayIp, mtlsModeFor, serverDecide, trustCheck, trustDomainsForValidation, type Leg } from "./server-hop.js";
import type { Denial, ExposureEntry, GatewayHop, ProbeSpec, ProbeVerdict, Resource, Scenario, ServerHop, Verdict } from "./types.js";
import { mapIn } from "../util/maps.js";
import { egressAt, passEgress } from "./egress-hop.js"; // meshfed-egress: the consumer mesh's egress gateway hop

/** A probe's verdict plus what decided it (for text output and explain). */
export interface ProbeResult {
  readonly verdict: ProbeVerdict;
  readonly why: string | null;
  readonly decidedBy: readonly Resource[];
}

export interface VerifyResult {
  readonly verdict: Verdict;
  readonly results: readonly ProbeResult[];
}

/** The scenario loaded into per-mesh indexes, with each gateway listener built once. */
export class World {
  readonly meshes: readonly MeshIndex[];
  private readonly listeners = new Map<string, GatewayListener | undefined>();
  private readonly byName = new Map<string, MeshIndex>();
  /** Meshes by `address:port` of their east-west gateway (the first mesh wins a shared one). */
  private readonly byGateway = new Map<string, MeshIndex>();

  constructor(readonly scenario: Scenario) {
    this.meshes = scenario.meshes.map((m, i) => indexMesh(m, i, scenario.resources.get(m.name) ?? []));
    for (const m of this.meshes) {
      if (!this.byName.has(m.spec.name)) this.byName.set(m.spec.name, m);
      const g = m.spec.eastWestGateway;
      if (g && !this.byGateway.has(`${g.address}:${g.port}`)) this.byGateway.set(`${g.address}:${g.port}`, m);
    }
  }

  mesh(name: string): MeshIndex {
    const m = this.byName.get(name);
    if (!m) throw new Error(`unknown mesh ${name}`);
    return m;
  }

  listener(m: MeshIndex): GatewayListener | undefined {
    if (!this.listeners.has(m.spec.name)) this.listeners.set(m.spec.name, gatewayListener(m));
    return this.listeners.get(m.spec.name);
  }

  gatewayAt(endpoint: string): MeshIndex | undefined {
    return this.byGateway.get(endpoint);
  }

  /** Client routes by mesh, namespace, host and port. */
  private readonly routes = new Map<MeshIndex, Map<string, Map<string, Map<number, ClientRoute>>>>();

  /**
   * The client sidecar's route from a namespace of a mesh to host:port. It depends on nothing
   * else about the caller, so probes from one namespace share it (the route is not changed
   * after it is built).
   */
  clientRoute(m: MeshIndex, namespace: string, labels: Readonly<Record<string, string>>, to: { host: string; port: number }): ClientRoute {
    const sidecar = sidecarFor(m, namespace, labels);
    const byNamespace = mapIn(this.routes, m);
    // Routes depend on the caller's labels only through a Sidecar or a DestinationRule workloadSelector.
    const byLabels = hasSelectorRules(m, namespace) || configsOf(m, "VirtualService").length > 0 ? `\0${JSON.stringify(Object.entries(labels).sort())}` : "";
    const byHost = mapIn(byNamespace, `${namespace}${sidecar ? `\0${sidecar.namespace}/${sidecar.name}` : ""}${byLabels}`);
    const byPort = mapIn(byHost, to.host);
    let route = byPort.get(to.port);
    if (route === undefined) {
      // meshfed-egress: an endpoint that is the mesh's own egress gateway is followed too (egress-hop.ts).
      route = clientHop(
        m,
        namespace,
        to,
        (ep) => this.gatewayAt(ep) !== undefined || egressAt(m, ep) !== undefined,
        sidecar ? sidecarImports(sidecar, namespace) : undefined,
        sidecar,
        labels,
      );
      byPort.set(to.port, route);
    }
    return route;
  }

  /** Gateway passes by client route (see GatewayPass). */
  private readonly passes = new WeakMap<ClientRoute, GatewayPass>();

  /** The gateway pass of a route's own leg (the first probe's leg stands for all of the route's). */
  gatewayPass(route: ClientRoute, gm: MeshIndex, leg: Leg): GatewayPass {
    let pass = this.passes.get(route);
    if (pass === undefined) {
      pass = passGateway(this, gm, leg);
      this.passes.set(route, pass);
    }
    return pass;
  }

  /** What a probe's first leg takes from its route: the gateway's mesh, the TLS, and whether the port speaks HTTP. */
  private readonly legs = new WeakMap<ClientRoute, RouteLeg>();

  routeLeg(route: ClientRoute, port: number): RouteLeg {
    let leg = this.legs.get(route);
    if (leg === undefined) {
      leg = {
        gateway: this.gatewayAt(route.hop.endpoint!)!,
        tls: { mode: route.hop.tls, sni: route.hop.sni, sans: route.hop.sans },
        http: isHttpProtocol(route.caller?.ports.find((p) => p.port === port)?.protocol ?? "TCP"),
      };
      this.legs.set(route, leg);
    }
    return leg;
  }
}

interface RouteLeg {
  readonly gateway: MeshIndex;
  readonly tls: Leg["tls"];
  readonly http: boolean;
}

/**
 * The first endpoint of a chain's cluster that is a pod of the mesh. For AUTO_PASSTHROUGH
 * (SNI-DNAT) clusters Istio's EDS keeps only mTLS endpoints (endpoint_builder.go
 * EndpointsWithMTLSFilter, mtls_checker.go): the gateway's DestinationRule TLS mode for the port
 * when it sets one, else the endpoint's tlsMode label and a PeerAuthentication that is not DISABLE.
 */
type Picked = { workload: Workload; port: number; tlsMode: string };
const pickCache = new WeakMap<GatewayChain, Map<string, Picked | null>>();

function pickWorkload(mesh: MeshIndex, chain: GatewayChain, gatewayNs: string): Picked | undefined {
  const byNs = mapIn(pickCache, chain);
  let hit = byNs.get(gatewayNs);
  if (hit === undefined) {
    hit = computePick(mesh, chain, gatewayNs) ?? null;
    byNs.set(gatewayNs, hit);
  }
  return hit ?? undefined;
}

function computePick(mesh: MeshIndex, chain: GatewayChain, gatewayNs: string): Picked | undefined {
  if (!chain.service || !chain.port) return undefined;
  const labels = gatewayProxy(mesh)?.labels ?? {};
  const drTls = chain.passthrough ? tlsForPort(destinationRuleFor(mesh, gatewayNs, chain.service, labels), chain.port) : undefined;
  const byIp = lookups(mesh).workloadByIp;
  for (const ep of endpointsOf(mesh, chain.service, chain.port)) {
    const w = byIp.get(ep.address);
    if (!w) continue;
    if (chain.passthrough) {
      const mtls = drTls ? String(drTls.mode ?? "DISABLE") === "ISTIO_MUTUAL" : ep.tlsMode === "istio" && mtlsModeFor(mesh, w, ep.port).mode !== "DISABLE";
      if (!mtls) continue;
    }
    return { workload: w, port: ep.port, tlsMode: ep.tlsMode };
  }
  return undefined;
}

/**
 * What the east-west gateway does with a connection: its hop, the Gateway that decided it, and a
 * denial or the server pod and port with the leg it arrives on (`leg` undefined: the caller's own
 * leg, passed through). The gateway's handshake checks no client identity (it accepts any of its
 * root: no trust-domain list), so the pass depends on the arriving TLS, root and protocol only,
 * and probes of one client route share it; its RBAC filters, which may, are applied per probe.
 */
interface GatewayPass {
  readonly hop: GatewayHop;
  readonly decided?: Resource;
  /**
   * The chain whose RBAC filters the connection reaches (every chain but AUTO_PASSTHROUGH ones,
   * after the TLS handshake when the gateway terminates): they run before `denial` below, if
   * any, and depend on the caller, so runProbe applies them per probe (gatewayAuthz).
   */
  readonly rbacAt?: GatewayChain;
  readonly denial?: Denial;
  readonly leg?: Leg;
  readonly workload?: Workload;
  readonly port?: number;
}

/** Through the gateway: which chain the SNI selects, and what it forwards to whom. */
function passGateway(world: World, gm: MeshIndex, leg: Leg): GatewayPass {
  const hop: GatewayHop = { at: "gateway", mesh: gm.spec.name, matched: null };
  const gl = world.listener(gm);
  const g = gm.spec.eastWestGateway!;
  if (leg.tls.mode === "DISABLE") {
    return {
      hop,
      denial: {
        at: "gateway",
        reason: "MF3003",
        why: `gateway of ${gm.spec.name}: plaintext connection, its TLS listener on ${g.port} has no chain for it (filter_chain_not_found)`,
      },
    };
  }
  if (!gl || gl.chains.length === 0) {
    return { hop, denial: { at: "gateway", reason: "MF3004", why: `gateway of ${gm.spec.name}: no Gateway server on port ${g.port} selects the gateway pod` } };
  }
  if (gl.conflicts.length > 0) {
    return {
      hop,
      denial: {
        at: "gateway",
        reason: "MF3004",
        why: `gateway of ${gm.spec.name}: two filter chains match ${gl.conflicts.join(", ")}; Envoy rejects the whole listener`,
      },
    };
  }
  // AUTO_PASSTHROUGH chains also match the Istio mTLS ALPNs, which only ISTIO_MUTUAL clusters send (gateway.go allIstioMtlsALPNs).
  const m = matchChain(gl, leg.tls.sni, leg.tls.mode === "ISTIO_MUTUAL");
  if (!m) {
    return {
      hop,
      denial: {
        at: "gateway",
        reason: "MF3004",
        why: `gateway of ${gm.spec.name}: SNI ${leg.tls.sni ?? "(none)"} matches no filter chain (filter_chain_not_found)`,
      },
    };
  }
  hop.matched = m.matched;
  const decided = m.chain.gateway;
  const where = `gateway ${gm.spec.name} chain ${m.matched}`;
  if (!m.chain.cluster) return { hop, decided, denial: { at: "server", reason: "MF3009", why: `${where} forwards to no service cluster` } };
  const picked = pickWorkload(gm, m.chain, gl.proxy.namespace);
  const noPod = (): GatewayPass => ({
    hop,
    decided,
    denial: { at: "server", reason: "MF3009", why: `${where}: cluster ${m.chain.cluster} has no endpoint that is a pod of mesh ${gm.spec.name}` },
  });
  if (!m.chain.passthrough && !m.chain.terminates) {
    // PASSTHROUGH with a VirtualService tls route: nothing is checked at the gateway, and the
    // route's ordinary cluster originates TLS (auto mTLS or a DestinationRule) around the
    // client's bytes, so the server sees the gateway's identity; without TLS, the client's.
    // The chain's RBAC filters run first (rbacAt: runProbe applies them per caller).
    if (!picked) return { ...noPod(), rbacAt: m.chain };
    const next = reoriginated(gm, gl, m.chain, picked, leg);
    return { hop, decided, rbacAt: m.chain, ...(next !== leg ? { leg: next } : {}), workload: picked.workload, port: picked.port };
  }
  if (!m.chain.passthrough) {
    const gp = gl.proxy;
    const gwId = spiffeId(gm.spec.trustDomain, gp.namespace, gp.serviceAccount);
    const d = trustCheck(leg, gm.spec.rootCA, gwId, [], where);
    if (d) return { hop, decided, denial: d };
    // After the handshake, the chain's RBAC filters (rbacAt), before the upstream connection.
    if (!picked) return { ...noPod(), rbacAt: m.chain };
    const t = upstreamTls(
      gm,
      gp.namespace,
      m.chain.service!,
      m.chain.port!,
      { address: picked.workload.ip, port: picked.port, tlsMode: picked.tlsMode },
      gp.labels,
    );
    return {
      hop,
      decided,
      rbacAt: m.chain,
      leg: { peerId: gwId, peerRoot: gm.spec.rootCA, tls: { mode: t.mode, sni: t.sni, sans: t.sans }, http: leg.http },
      workload: picked.workload,
      port: picked.port,
    };
  }
  if (!picked)
    return {
      hop,
      decided,
      denial: {
        at: "server",
        reason: "MF3009",
        why: `${where}: cluster ${m.chain.cluster} has no mTLS endpoint that is a pod of mesh ${gm.spec.name} (AUTO_PASSTHROUGH keeps only endpoints with a sidecar and mTLS enabled)`,
      },
    };
  return { hop, decided, workload: picked.workload, port: picked.port };
}

/**
 * The identity the gateway's RBAC filters see: the client certificate's when the chain
 * terminates Istio mTLS, none otherwise (a passed-through connection is opaque to the gateway).
 * Other terminating modes are declared (not-modelled.ts gatewayRbacGaps).
 */
function gatewayPrincipal(chain: GatewayChain, leg: Leg): string {
  return chain.serverMode === "ISTIO_MUTUAL" ? leg.peerId : "";
}

/**
 * The east-west gateway's AuthorizationPolicies on a chain that runs them (networkfilter.go
 * buildCompleteNetworkFilters: every gateway chain but AUTO_PASSTHROUGH ones), for a connection:
 * TCP, to the gateway pod's address and the port connections arrive on, with the caller's SNI.
 * The source address is not known at the gateway; rules on it are declared (gatewayRbacGaps).
 */
export function gatewayAuthz(world: World, gm: MeshIndex, chain: GatewayChain, leg: Leg): AuthzDecision {
  const gl = world.listener(gm)!;
  return evaluateAuthz(gm, gl.proxy, {
    principal: gatewayPrincipal(chain, leg),
    port: gl.arrival,
    http: false,
    sourceIp: "",
    destIp: gatewayIp(gm),
    sni: leg.tls.sni ?? "",
  });
}

/** The leg a non-terminating, routed gateway chain sends on: the gateway's own TLS when its cluster originates one, else the caller's. */
function reoriginated(gm: MeshIndex, gl: GatewayListener, chain: GatewayChain, picked: Picked, leg: Leg): Leg {
  const gp = gl.proxy;
  const t = upstreamTls(gm, gp.namespace, chain.service!, chain.port!, { address: picked.workload.ip, port: picked.port, tlsMode: picked.tlsMode }, gp.labels);
  if (t.mode === "DISABLE") return leg;
  return {
    peerId: spiffeId(gm.spec.trustDomain, gp.namespace, gp.serviceAccount),
    peerRoot: gm.spec.rootCA,
    tls: { mode: t.mode, sni: t.sni, sans: t.sans },
    http: leg.http,
  };
}

function finish(v: ProbeVerdict, decided: Resource[], d: Denial | undefined): ProbeResult {
  if (d) {
    v.verdict = "deny";
    v.deniedAt = d.at;
    v.reason = d.reason;
  }
  return { verdict: v, why: d?.why ?? null, decidedBy: decided };
}

/** Follows one probe through the client sidecar, the east-west gateway and the server sidecar. */
export function runProbe(world: World, probe: ProbeSpec): ProbeResult {
  const src = world.mesh(probe.from.mesh);
  const v: ProbeVerdict = { name: probe.name, verdict: "allow", deniedAt: null, reason: null, hops: [] };
  const decided: Resource[] = [];
  const route = world.clientRoute(src, probe.from.namespace, probe.from.labels, probe.to);
  v.hops.push(route.hop);
  for (let i = 0; i < route.decidedBy.length; i++) decided.push(route.decidedBy[i]!);
  if (route.denial) return finish(v, decided, route.denial);
  const first = world.routeLeg(route, probe.to.port);
  const leg: Leg = {
    peerId: spiffeId(src.spec.trustDomain, probe.from.namespace, probe.from.serviceAccount),
    peerRoot: src.spec.rootCA,
    tls: first.tls,
    http: first.http,
  };
  // meshfed-egress (begin): through the client mesh's own egress gateway first, when the endpoint is one (egress-hop.ts).
  let gm: MeshIndex | undefined = first.gateway;
  let arriving = leg;
  if (!gm) {
    const t = egressAt(src, route.hop.endpoint ?? "");
    const e = t ? passEgress(src, t, leg, v.hops, decided) : undefined;
    if (e && "reason" in e) return finish(v, decided, e);
    gm = e ? world.gatewayAt(e.endpoint) : undefined;
    if (!gm || !e)
      return finish(v, decided, {
        at: "gateway",
        reason: "MF3002",
        why: `the egress gateway forwards to ${e?.endpoint ?? "nothing"}, no mesh's east-west gateway`,
      });
    arriving = e.leg;
  }
  // meshfed-egress (end)
  // The pass depends on the arriving leg but not on the caller's identity: without an egress
  // gateway the leg is the route's, so probes of one route share it.
  const pass = arriving === leg ? world.gatewayPass(route, gm, leg) : passGateway(world, gm, arriving);
  v.hops.push(pass.hop);
  if (pass.decided) decided.push(pass.decided);
  if (pass.rbacAt) {
    const authz = gatewayAuthz(world, gm, pass.rbacAt, arriving);
    if (!authz.allowed) {
      if (authz.policy) decided.push(authz.policy);
      return finish(v, decided, {
        at: "gateway",
        reason: "MF3008",
        why: `gateway of ${gm.spec.name} chain ${pass.hop.matched}: ${authz.why}, denies ${gatewayPrincipal(pass.rbacAt, arriving) || "(no client certificate)"}`,
      });
    }
  }
  if (pass.denial) return finish(v, decided, pass.denial);
  const toServer = pass.leg ?? arriving;
  const sd = serverDecide(gm, pass.workload!, pass.port!, toServer);
  const sh: ServerHop = {
    at: "server",
    mesh: gm.spec.name,
    workload: pass.workload!.name,
    peer: toServer.tls.mode !== "DISABLE" ? toServer.peerId : null,
    authz: sd.authz ? (sd.authz.allowed ? "allow" : "deny") : null,
  };
  v.hops.push(sh);
  if (sd.peerAuthentication && (sd.denial?.reason === "MF3003" || sd.denial?.reason === "MF3009")) decided.push(sd.peerAuthentication);
  if (sd.authz?.policy) decided.push(sd.authz.policy);
  return finish(v, decided, sd.denial);
}

const probeNamespace = "meshfed-probe";
const unknownTrustDomain = "meshfed-unknown.invalid";

/** Who a chain's destination admits among other meshes' identities (conformance/README.md, Exposure). */
/** Exposure candidates of a mesh, grouped by trust domain: every identity of the other meshes that share its root, plus a synthetic one per trust domain. */
interface CandidateGroup {
  readonly trustDomain: string;
  readonly synthetic: string;
  readonly ids: readonly string[];
  readonly idSet: ReadonlySet<string>;
}

const candidateCache = new WeakMap<World, Map<MeshIndex, CandidateGroup[]>>();
/** Each mesh's group, shared by every other mesh's candidate list. */
const groupCache = new WeakMap<MeshIndex, CandidateGroup>();

function groupOf(n: MeshIndex): CandidateGroup {
  let g = groupCache.get(n);
  if (!g) {
    const ids = [...new Set(n.workloads.map((w) => spiffeId(n.spec.trustDomain, w.namespace, w.serviceAccount)))].sort();
    g = { trustDomain: n.spec.trustDomain, synthetic: spiffeId(n.spec.trustDomain, probeNamespace, probeNamespace), ids, idSet: new Set(ids) };
    groupCache.set(n, g);
  }
  return g;
}

const unknownGroup: CandidateGroup = {
  trustDomain: unknownTrustDomain,
  synthetic: spiffeId(unknownTrustDomain, probeNamespace, probeNamespace),
  ids: [],
  idSet: new Set(),
};

function candidateGroups(world: World, m: MeshIndex): CandidateGroup[] {
  const byMesh = mapIn(candidateCache, world);
  let groups = byMesh.get(m);
  if (!groups) {
    groups = world.meshes.filter((n) => n !== m && n.spec.rootCA === m.spec.rootCA).map(groupOf);
    groups.push(unknownGroup);
    byMesh.set(m, groups);
  }
  return groups;
}

/**
 * How a workload's authorization policies tell other meshes' identities apart:
 * - `named`: the SPIFFE IDs its principals name exactly (the trust domain rewritten over the
 *   mesh's bundle, as Istio does); any other identity behaves like the synthetic identity of
 *   its trust domain;
 * - `trustDomains`: the trust domains whose unnamed identities still differ, those of
 *   "<trust domain>/*" principals (an exact principal matches no unnamed identity, whatever
 *   its trust domain; a "<td>/*" of the bundle or cluster.local is rewritten to the bundle),
 *   plus the mesh's own and aliases.
 * `undefined` when a policy uses matchers that could single out any identity (namespaces,
 * service accounts, wildcards inside principals, conditions): then every identity is checked.
 */
interface IdentityClasses {
  readonly named: ReadonlySet<string>;
  readonly trustDomains: ReadonlySet<string>;
}

const classesCache = new WeakMap<Workload, { classes: IdentityClasses | undefined }>();

/** Source fields that cannot single out an identity apart from its principal (addresses are the same for every identity). */
const classifiedSourceKeys = new Set(["principals", "notPrincipals", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"]);

function identityClasses(mesh: MeshIndex, w: Workload): IdentityClasses | undefined {
  let hit = classesCache.get(w);
  if (!hit) {
    hit = { classes: computeIdentityClasses(mesh, w) };
    classesCache.set(w, hit);
  }
  return hit.classes;
}

function computeIdentityClasses(mesh: MeshIndex, w: Workload): IdentityClasses | undefined {
  const named = new Set<string>();
  const bundle = [mesh.spec.trustDomain, ...mesh.spec.trustDomainAliases];
  const trustDomains = new Set<string>(bundle);
  for (const p of policiesFor(mesh, w)) {
    for (const rule of Array.isArray(p.spec.rules) ? p.spec.rules : []) {
      if (rule?.when) return undefined;
      for (const from of Array.isArray(rule?.from) ? rule.from : []) {
        const src = from?.source ?? {};
        for (const k of Object.keys(src)) if (!classifiedSourceKeys.has(k)) return undefined;
        for (const v of [...(src.principals ?? []), ...(src.notPrincipals ?? [])].map(String)) {
          if (v === "*") continue;
          const slash = v.indexOf("/");
          // "<trust domain>/*" treats every identity of a trust domain alike.
          if (v.endsWith("/*") && slash === v.length - 2) {
            if (slash > 0) trustDomains.add(v.slice(0, slash));
            continue;
          }
          if (v.includes("*") || v.includes("://") || slash < 0) return undefined;
          // An exact principal names one SPIFFE ID, or one per trust domain of the bundle.
          for (const p of expandPrincipals([v], bundle)) named.add(`spiffe://${p}`);
        }
      }
    }
  }
  return { named, trustDomains };
}

const acceptedSets = new WeakMap<MeshIndex, { set: ReadonlySet<string> | undefined }>();

/** The trust domains a mesh's sidecars accept, as a set; undefined when validation is skipped. */
function acceptedSet(m: MeshIndex): ReadonlySet<string> | undefined {
  let hit = acceptedSets.get(m);
  if (!hit) {
    const list = trustDomainsForValidation(m);
    hit = { set: list.length === 0 ? undefined : new Set(list) };
    acceptedSets.set(m, hit);
  }
  return hit.set;
}

function admits(world: World, m: MeshIndex, gl: GatewayListener, chain: GatewayChain): string[] {
  const picked = pickWorkload(m, chain, gl.proxy.namespace);
  if (!picked) return [];
  const sni = chain.serverNames[0] ?? null;
  const gwId = spiffeId(m.spec.trustDomain, gl.proxy.namespace, gl.proxy.serviceAccount);
  // The prober speaks the service port's protocol, as a client of that service would; an inbound
  // chain of another protocol (several Services on one pod port) can refuse it.
  const http = isHttpProtocol(chain.service?.ports.find((p) => p.port === chain.port)?.protocol ?? "TCP");
  const decide = (id: string): boolean => {
    const leg: Leg = { peerId: id, peerRoot: m.spec.rootCA, tls: { mode: "ISTIO_MUTUAL", sni, sans: [] }, http };
    if (chain.passthrough) return serverDecide(m, picked.workload, picked.port, leg).denial === undefined;
    // As in passGateway and runProbe: the gateway's handshake when it terminates, then its RBAC filters.
    if (chain.terminates && trustCheck(leg, m.spec.rootCA, gwId, [], "") !== undefined) return false;
    if (!gatewayAuthz(world, m, chain, leg).allowed) return false;
    if (!chain.terminates) return serverDecide(m, picked.workload, picked.port, reoriginated(m, gl, chain, picked, leg)).denial === undefined;
    const t = upstreamTls(
      m,
      gl.proxy.namespace,
      chain.service!,
      chain.port!,
      { address: picked.workload.ip, port: picked.port, tlsMode: picked.tlsMode },
      gl.proxy.labels,
    );
    return (
      serverDecide(m, picked.workload, picked.port, {
        peerId: gwId,
        peerRoot: m.spec.rootCA,
        tls: { mode: t.mode, sni: t.sni, sans: t.sans },
        http,
      }).denial === undefined
    );
  };
  // Identities the policies do not name behave like their trust domain's synthetic identity,
  // so only named ones need their own decision (the same answer as checking all of them). The
  // classes come from the server's policies: when the gateway's own RBAC runs on the chain and
  // has policies, every identity is decided.
  const gatewayPolicies = !chain.passthrough && policiesFor(m, gl.proxy).length > 0;
  const classes = gatewayPolicies ? undefined : identityClasses(m, picked.workload);
  const named = classes?.named;
  const admitted = new Set<string>();
  // Unnamed identities of trust domains that no policy names and that the server accepts
  // alike get the same answer: decide once per such class instead of once per trust domain.
  const accepted = acceptedSet(m);
  const mentioned = classes?.trustDomains;
  const byTrustDomain = new Map<string, boolean>();
  const byAcceptance = new Map<boolean, boolean>();
  const once = <K>(cache: Map<K, boolean>, key: K, g: CandidateGroup): boolean => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = decide(g.synthetic);
      cache.set(key, hit);
    }
    return hit;
  };
  const decideSynthetic = (g: CandidateGroup): boolean =>
    !chain.passthrough || !mentioned || mentioned.has(g.trustDomain)
      ? once(byTrustDomain, g.trustDomain, g)
      : once(byAcceptance, accepted === undefined || accepted.has(g.trustDomain), g);
  for (const g of candidateGroups(world, m)) {
    // The synthetic identity stands for every identity the policies do not name: when it is
    // admitted, so is anybody of the root ("*"); when not, only named identities can be.
    if (decideSynthetic(g)) return ["*"];
    if (named) {
      for (const id of named) if (g.idSet.has(id) && decide(id)) admitted.add(id.slice("spiffe://".length));
    } else {
      for (const id of g.ids) if (decide(id)) admitted.add(id.slice("spiffe://".length));
    }
  }
  return [...admitted].sort();
}

/** Two `admits` lists merged: anyone ("*") if either is, else the sorted union. */
function unionAdmits(a: readonly string[], b: readonly string[]): string[] {
  if (a.includes("*") || b.includes("*")) return ["*"];
  return [...new Set([...a, ...b])].sort();
}

/** What each mesh's east-west gateway routes by SNI to a service, and whom the destination admits. */
export function exposure(world: World): ExposureEntry[] {
  const out: ExposureEntry[] = [];
  for (const m of world.meshes) {
    const gl = world.listener(m);
    // Envoy rejects a listener with two identical filter chain matches: nothing on it is exposed.
    if (!gl || gl.conflicts.length > 0) continue;
    // One entry per (host, port), admitting whom any chain routing there admits: a catch-all
    // terminating chain can admit more than the AUTO_PASSTHROUGH chain of the same service.
    const at = new Map<string, number>();
    for (const c of gl.chains) {
      // Chains without server names count too: a catch-all terminating server routes any SNI.
      if (!c.service || !c.port) continue;
      const key = `${c.service.hostname}:${c.port}`;
      const admitted = admits(world, m, gl, c);
      const i = at.get(key);
      if (i === undefined) {
        at.set(key, out.length);
        out.push({ mesh: m.spec.name, host: c.service.hostname, port: c.port, admits: admitted });
      } else out[i] = { ...out[i]!, admits: unionAdmits(out[i]!.admits, admitted) };
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.mesh, b.mesh) || cmp(a.host, b.host) || a.port - b.port);
}

/** Runs every probe and computes the exposure: the verdict JSON of conformance/README.md. */
export function verifyScenario(scenario: Scenario): VerifyResult {
  const world = new World(scenario);
  const results = scenario.probes.map((p) => runProbe(world, p));
  return { verdict: { probes: results.map((r) => r.verdict), exposure: exposure(world) }, results };
}
