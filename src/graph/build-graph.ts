import { serviceFqdn } from "../compile/keys.js";
import type { Federation, Mesh } from "../model/types.js";
import { compareStrings } from "../util/compare.js";

/** An exported Kubernetes Service, drawn inside its mesh. */
export interface GraphService {
  /** Stable node id, `svc:<mesh>/<namespace>/<name>`. */
  readonly id: string;
  readonly mesh: string;
  readonly namespace: string;
  readonly name: string;
  /** The Service's FQDN inside its own mesh. */
  readonly host: string;
  /** `5432/TCP`, one per exported port. */
  readonly ports: readonly string[];
}

/** A consumer identity (`mesh/namespace/serviceAccount`), drawn inside its mesh. */
export interface GraphPrincipal {
  /** Stable node id, `sa:<mesh>/<namespace>/<serviceAccount>`. */
  readonly id: string;
  readonly mesh: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** One mesh as a box. */
export interface GraphMesh {
  readonly name: string;
  readonly trustDomain: string;
  /** `address:port` other meshes dial, or null when the mesh has no east-west gateway. */
  readonly eastWestGateway: string | null;
  /** The egress gateway consumers of this mesh leave through, when the model has one. */
  readonly egressGateway: string | null;
  readonly services: readonly GraphService[];
  readonly principals: readonly GraphPrincipal[];
}

/** One consumer principal's access to one exported service. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** The ports the principal may call, `5432/TCP`. */
  readonly ports: readonly string[];
  /** The host the consumer dials. */
  readonly alias: string;
  /** True when the consumer's mesh sends cross-mesh calls through an egress gateway. */
  readonly viaEgress: boolean;
}

/** A network-layer allowance (for example a firewall rule) from one mesh to another. */
export interface GraphNetworkAllowance {
  readonly from: string;
  readonly to: string;
  readonly ports: readonly number[];
}

/** The federation as a graph: meshes as boxes, exports and consumers inside, one edge per grant. */
export interface FederationGraph {
  readonly federation: string;
  readonly meshes: readonly GraphMesh[];
  readonly edges: readonly GraphEdge[];
  readonly networkAllowances: readonly GraphNetworkAllowance[];
}

/**
 * Fields the federation model does not have yet but the graph draws when it does: a mesh's
 * egress gateway and network-layer allowances between meshes. Declared here, optional, so
 * that the builder needs no change beyond reading them when the model gains them.
 */
export interface OptionalGraphInput {
  readonly meshes: readonly (Omit<Mesh, "egressGateway"> & {
    readonly egressGateway?: { readonly namespace: string; readonly name?: string; readonly service?: string; readonly address?: string };
  })[];
  readonly networkAllowances?: readonly { readonly from: string; readonly to: string; readonly ports?: readonly number[] }[];
}

const principalId = (mesh: string, namespace: string, serviceAccount: string) => `sa:${mesh}/${namespace}/${serviceAccount}`;

/**
 * Builds the graph of a validated federation. Meshes keep the file's order, services the
 * order of `spec.exports`, principals are sorted, edges follow exports then consumers: the
 * same file always gives the same graph.
 */
export function buildFederationGraph(federation: Federation & Partial<OptionalGraphInput>): FederationGraph {
  const meshes = federation.meshes as OptionalGraphInput["meshes"];
  const egressOf = new Map(
    meshes.flatMap((m) =>
      m.egressGateway
        ? [[m.name, m.egressGateway.address ?? `${m.egressGateway.namespace}/${m.egressGateway.name ?? m.egressGateway.service ?? "egressgateway"}`] as const]
        : [],
    ),
  );
  const services = new Map<string, GraphService[]>();
  const principals = new Map<string, Map<string, GraphPrincipal>>();
  const edges: GraphEdge[] = [];
  for (const e of federation.exports) {
    const exporter = meshes.find((m) => m.name === e.mesh);
    if (!exporter) continue;
    const service: GraphService = {
      id: `svc:${e.mesh}/${e.namespace}/${e.name}`,
      mesh: e.mesh,
      namespace: e.namespace,
      name: e.name,
      host: serviceFqdn(e, exporter),
      ports: e.ports.map((p) => `${p.number}/${p.protocol}`),
    };
    services.set(e.mesh, [...(services.get(e.mesh) ?? []), service]);
    for (const c of e.consumers) {
      const { mesh, namespace, serviceAccount } = c.principal;
      const id = principalId(mesh, namespace, serviceAccount);
      const inMesh = principals.get(mesh) ?? new Map<string, GraphPrincipal>();
      inMesh.set(id, { id, mesh, namespace, serviceAccount });
      principals.set(mesh, inMesh);
      edges.push({ from: id, to: service.id, ports: service.ports, alias: c.alias, viaEgress: egressOf.has(mesh) });
    }
  }
  return {
    federation: federation.name,
    meshes: meshes.map((m) => ({
      name: m.name,
      trustDomain: m.trustDomain,
      eastWestGateway: m.eastWestGateway ? `${m.eastWestGateway.address}:${m.eastWestGateway.port}` : null,
      egressGateway: egressOf.get(m.name) ?? null,
      services: services.get(m.name) ?? [],
      principals: [...(principals.get(m.name)?.values() ?? [])].sort((a, b) => compareStrings(a.id, b.id)),
    })),
    edges,
    networkAllowances: (federation.networkAllowances ?? []).map((a) => ({ from: a.from, to: a.to, ports: [...(a.ports ?? [])] })),
  };
}
