import type { Federation, Mesh } from "../model/types.js";
import { gatewaySources, type GatewaySources } from "../model/network-sources.js";
import { FEDERATION_LABEL, MANAGED_BY, resourceName, ROLE_LABEL } from "./names.js";
import type { Resource } from "./types.js";

/** Istio's status port on gateways: kubelet probes and load balancer health checks read `/healthz/ready` on it. */
export const GATEWAY_STATUS_PORT = 15021;

/**
 * The annotations that make a Service of type LoadBalancer internal on each managed
 * Kubernetes: a cloud ignores the others' annotations, so all are set together.
 * - AKS: `azure-load-balancer-internal` (cloud-provider-azure);
 * - EKS: `aws-load-balancer-scheme: internal` (AWS Load Balancer Controller) and the legacy
 *   `aws-load-balancer-internal` (the in-tree / cloud-provider-aws controller);
 * - GKE: `networking.gke.io/load-balancer-type: Internal`.
 */
export const INTERNAL_LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = {
  "networking.gke.io/load-balancer-type": "Internal",
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
  "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
};

/** What the east-west gateway's Service gets from the network layer of the model. */
export interface GatewayServiceSettings {
  readonly annotations: Readonly<Record<string, string>>;
  /** Present when every consumer mesh declares egressCIDRs. */
  readonly loadBalancerSourceRanges?: readonly string[];
  /**
   * `Local` whenever the source is restricted: with `Cluster` a node forwarding to another
   * node's gateway pod replaces the client address with its own, and the NetworkPolicy's
   * ipBlocks would then see node addresses, not the consumers'.
   */
  readonly externalTrafficPolicy?: "Local";
  readonly sources: GatewaySources;
}

/** The Service settings of a mesh's east-west gateway: internal annotations, user annotations, source ranges. */
export function gatewayServiceSettings(federation: Federation, mesh: Mesh): GatewayServiceSettings {
  const gw = mesh.eastWestGateway;
  const sources = gatewaySources(federation, mesh);
  const merged: Record<string, string> = {
    ...(gw?.internal ? INTERNAL_LOAD_BALANCER_ANNOTATIONS : {}),
    ...(gw?.serviceAnnotations ?? {}),
  };
  const annotations = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    annotations,
    ...(sources.ranges !== undefined ? { loadBalancerSourceRanges: sources.ranges, externalTrafficPolicy: "Local" as const } : {}),
    sources,
  };
}

/**
 * A Kubernetes NetworkPolicy for the east-west gateway pods: port 15443 from the consumer
 * meshes' egressCIDRs only, the status port from pods of the cluster, nothing else. None when
 * a consumer mesh declares no egressCIDRs: the gateway then stays open to every address, as
 * validation (MF1091) and plan say, rather than cut that mesh off.
 * NetworkPolicies add up, so an operator's own policy (say, for Prometheus on 15090) still
 * applies beside this one.
 */
export function compileGatewayNetworkPolicy(federation: Federation, mesh: Mesh): Resource | undefined {
  const gw = mesh.eastWestGateway;
  if (!gw) return undefined;
  const { sources } = gatewayServiceSettings(federation, mesh);
  if (sources.consumerMeshes.length === 0 || sources.ranges === undefined) return undefined;
  const tls = { protocol: "TCP", port: gw.port };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      // Per federation: two federations exporting from one mesh each keep their own policy,
      // and NetworkPolicies add up.
      name: resourceName("meshfed", [federation.name], "eastwestgateway"),
      namespace: gw.namespace,
      labels: { [MANAGED_BY]: "meshfed", [FEDERATION_LABEL]: federation.name, [ROLE_LABEL]: "exporter" },
    },
    spec: {
      podSelector: { matchLabels: { ...gw.selector } },
      policyTypes: ["Ingress"],
      ingress: [
        sources.ranges !== undefined ? { from: sources.ranges.map((cidr) => ({ ipBlock: { cidr } })), ports: [tls] } : { ports: [tls] },
        // An empty namespaceSelector matches every pod of every namespace of this cluster.
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: GATEWAY_STATUS_PORT }] },
      ],
    },
  };
}
