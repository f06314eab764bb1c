import { endpointsOf, upstreamTls } from "./client-hop.js";
import { destinationRuleFor, tlsForPort } from "./destination-rule.js";
import { gatewayListener, matchChain, type GatewayListener } from "./gateway-chains.js";
import { lookups, selects, spiffeId, type MeshIndex, type MeshService, type Workload } from "./mesh-index.js";
import { trustCheck, type Leg } from "./server-hop.js";
import type { Denial, GatewayHop, Resource } from "./types.js";

/**
 * The consumer mesh's own egress gateway as a hop, the way the conformance oracle follows it
 * (conformance/oracle/egress.go): a client endpoint that is a Kubernetes Service of the
 * client's mesh (its DNS name or cluster IP) in front of a gateway pod (no sidecar). The pod's
 * listener on the Service's target port is built like the east-west gateway's (Gateways that
 * select it, AUTO_PASSTHROUGH chains per visible service), the SNI picks a chain, and the
 * connection continues to the first endpoint of that chain's cluster.
 */
export interface EgressTarget {
  readonly workload: Workload;
  /** The pod port the call lands on (the Service's target port). */
  readonly port: number;
  readonly service: MeshService;
}

/** The gateway pod behind a client endpoint `host:port` of this mesh, if it is one. */
export function egressAt(mesh: MeshIndex, endpoint: string): EgressTarget | undefined {
  const colon = endpoint.lastIndexOf(":");
  const host = endpoint.slice(0, colon).toLowerCase();
  const port = Number(endpoint.slice(colon + 1));
  const byNamespace = lookups(mesh).workloadsByNamespace;
  for (const svc of mesh.services) {
    if (svc.source !== "kubernetes" || (svc.hostname !== host && (svc.address === "" || svc.address !== host))) continue;
    const sp = svc.ports.find((p) => p.port === port);
    if (!sp || Object.keys(svc.selector).length === 0) continue;
    const target = typeof sp.targetPort === "number" && sp.targetPort > 0 ? sp.targetPort : port;
    const w = (byNamespace.get(svc.namespace) ?? []).find((x) => !x.sidecar && selects(svc.selector, x.labels));
    if (w) return { workload: w, port: target, service: svc };
  }
  return undefined;
}

/** The egress gateway pod's listener: the east-west gateway's builder, pointed at this pod and port. */
const listeners = new WeakMap<MeshIndex, Map<string, GatewayListener | undefined>>();

function egressListener(mesh: MeshIndex, t: EgressTarget): GatewayListener | undefined {
  let byPod = listeners.get(mesh);
  if (!byPod) {
    byPod = new Map();
    listeners.set(mesh, byPod);
  }
  const key = `${t.workload.namespace}/${t.workload.podName}:${t.port}`;
  if (!byPod.has(key)) {
    const w = t.workload;
    const asGateway: MeshIndex = {
      ...mesh,
      spec: { ...mesh.spec, eastWestGateway: { address: "", port: t.port, selector: w.labels, namespace: w.namespace, serviceAccount: w.serviceAccount } },
    };
    byPod.set(key, gatewayListener(asGateway));
  }
  return byPod.get(key);
}

/** Where the egress gateway sends the connection: the next `address:port`, with the leg that arrives there. */
export interface EgressForward {
  readonly endpoint: string;
  readonly leg: Leg;
}

/**
 * Through the egress gateway. Denials are at "gateway" with the oracle's reasons: MF3004 when
 * no chain takes the connection, MF3002 when the chain's cluster has nowhere to send it.
 */
export function passEgress(mesh: MeshIndex, t: EgressTarget, leg: Leg, hops: unknown[], decided: Resource[]): Denial | EgressForward {
  const hop: GatewayHop = { at: "egress", mesh: mesh.spec.name, matched: null };
  const where = `egress gateway ${t.workload.name} port ${t.port}`;
  const gl = egressListener(mesh, t);
  if (leg.tls.mode === "DISABLE" || !gl || gl.chains.length === 0 || gl.conflicts.length > 0) {
    hops.push(hop);
    const why =
      leg.tls.mode === "DISABLE"
        ? `${where}: plaintext connection, no TLS chain takes it`
        : gl && gl.conflicts.length > 0
          ? `${where}: two filter chains match ${gl.conflicts.join(", ")}; Envoy rejects the whole listener`
          : `${where}: no Gateway server on port ${t.port} selects the egress gateway pod`;
    return { at: "gateway", reason: "MF3004", why };
  }
  const m = matchChain(gl, leg.tls.sni, leg.tls.mode === "ISTIO_MUTUAL");
  if (!m) {
    hops.push(hop);
    return { at: "gateway", reason: "MF3004", why: `${where}: SNI ${leg.tls.sni ?? "(none)"} matches no filter chain` };
  }
  hop.matched = m.matched;
  hops.push(hop);
  decided.push(m.chain.gateway);
  const chain = m.chain;
  if (!chain.cluster || !chain.service || !chain.port) {
    return { at: "gateway", reason: "MF3002", why: `${where} chain ${m.matched} forwards to no cluster` };
  }
  const ns = gl.proxy.namespace;
  decided.push(chain.service.resource);
  const drTls = chain.passthrough ? tlsForPort(destinationRuleFor(mesh, ns, chain.service), chain.port) : undefined;
  // SNI-DNAT clusters keep only mTLS endpoints (endpoint_builder.go EndpointsWithMTLSFilter).
  const eps = endpointsOf(mesh, chain.service, chain.port).filter(
    (ep) => !chain.passthrough || (drTls ? String(drTls.mode ?? "DISABLE") === "ISTIO_MUTUAL" : ep.tlsMode === "istio"),
  );
  const ep = eps[0];
  if (!ep) return { at: "gateway", reason: "MF3002", why: `${where}: cluster ${chain.cluster} has no endpoints` };
  const endpoint = `${ep.address}:${ep.port}`;
  if (chain.passthrough) return { endpoint, leg };
  // A terminating chain: the egress gateway is the client's peer, and originates its own TLS.
  const egressId = spiffeId(mesh.spec.trustDomain, ns, gl.proxy.serviceAccount);
  const d = trustCheck(leg, mesh.spec.rootCA, egressId, [], where);
  if (d) return d;
  const up = upstreamTls(mesh, ns, chain.service, chain.port, ep);
  return {
    endpoint,
    leg: {
      peerId: egressId,
      peerRoot: mesh.spec.rootCA,
      tls: { mode: up.mode, sni: up.sni, sans: up.sans },
      http: leg.http,
    },
  };
}
