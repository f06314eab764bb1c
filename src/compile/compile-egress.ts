import { releaseProfile } from "../model/istio-release.js";
import type { Export, Federation, Mesh } from "../model/types.js";
import { outboundSni, serviceFqdn, spiffeId } from "./keys.js";
import { EXPORT_LABEL, FEDERATION_LABEL, labelValue, MANAGED_BY, resourceName, ROLE_LABEL } from "./names.js";
import type { Resource } from "./types.js";

/** The port the consumer mesh's egress gateway takes the consumers' mTLS on, as east-west gateways do. */
export const EGRESS_PORT = 15443;

/** The in-cluster name of a mesh's egress gateway Service: what the consumers' sidecars dial. */
export function egressServiceHost(mesh: Mesh): string | undefined {
  const eg = mesh.egressGateway;
  return eg ? `${eg.service}.${eg.namespace}.svc.${mesh.clusterDomain}` : undefined;
}

function portName(p: { number: number; protocol: string }): string {
  return `${p.protocol.toLowerCase()}-${p.number}`;
}

/**
 * The consumer mesh's egress gateway resources for one imported export: a Gateway with an
 * AUTO_PASSTHROUGH server for the exporter's FQDN on 15443, and a ServiceEntry and a
 * DestinationRule for that FQDN, visible only in the egress gateway's namespace, whose
 * endpoint is the exporter's east-west gateway.
 *
 * Why AUTO_PASSTHROUGH and not PASSTHROUGH with a VirtualService: the consumer's sidecar
 * sends SNI `outbound_.<port>_._.<fqdn>` (the east-west gateway routes on it, so it cannot
 * change). AUTO_PASSTHROUGH builds, from the server's exact host alone, one filter chain per
 * service port matching exactly that SNI, with a plain TCP proxy to the SNI-DNAT cluster, which
 * never takes TLS settings: the TLS is forwarded byte for byte, never terminated
 * (pilot/pkg/networking/core/gateway.go builtAutoPassthroughFilterChains,
 * cluster_traffic_policy.go). PASSTHROUGH would need a VirtualService per import whose
 * `sniHosts` is that SNI (validation accepts the `outbound_` form for gateway-bound
 * VirtualServices), a server host covering it, and an outbound cluster that a DestinationRule
 * with TLS would wrap in a second TLS. The endpoint
 * carries `security.istio.io/tlsMode: istio` because EDS keeps only such endpoints in SNI-DNAT
 * clusters (pilot/pkg/xds/endpoints/endpoint_builder.go, EndpointsWithMTLSFilter).
 */
export function compileEgress(federation: Federation, e: Export, consumerMesh: Mesh, vip: string): Resource[] {
  // The consumer mesh's release decides the API version (v1beta1 before 1.22).
  const apiVersion = releaseProfile(consumerMesh.istioVersion).networkingApiVersion;
  const eg = consumerMesh.egressGateway;
  const exporter = federation.meshes.find((m) => m.name === e.mesh);
  const ew = exporter?.eastWestGateway;
  if (!eg || !exporter || !ew) return [];
  const fqdn = serviceFqdn(e, exporter);
  const meta = {
    [MANAGED_BY]: "meshfed",
    [EXPORT_LABEL]: labelValue(`${e.mesh}.${e.namespace}.${e.name}`),
    [FEDERATION_LABEL]: federation.name,
    [ROLE_LABEL]: "importer",
  };
  const name = resourceName("meshfed", [e.mesh, e.namespace, e.name], "egress");
  const gateway: Resource = {
    apiVersion,
    kind: "Gateway",
    metadata: { name, namespace: eg.namespace, labels: meta },
    spec: {
      selector: { ...eg.selector },
      servers: [
        {
          port: { number: EGRESS_PORT, name: "tls-meshfed-egress", protocol: "TLS" },
          // The exact FQDN: AUTO_PASSTHROUGH serves every visible service its hosts match.
          hosts: [fqdn],
          tls: { mode: "AUTO_PASSTHROUGH" },
        },
      ],
    },
  };
  const serviceEntry: Resource = {
    apiVersion,
    kind: "ServiceEntry",
    metadata: { name, namespace: eg.namespace, labels: meta },
    spec: {
      hosts: [fqdn],
      // The import's VIP: no 0.0.0.0 listener for a proxy that sees this entry.
      addresses: [vip],
      ports: e.ports.map((p) => ({ number: p.number, name: portName(p), protocol: "TLS" })),
      location: "MESH_INTERNAL",
      resolution: ew.addressKind === "ip" ? "STATIC" : "DNS",
      endpoints: [
        {
          address: ew.address,
          ports: Object.fromEntries(e.ports.map((p) => [portName(p), ew.port])),
          labels: { "security.istio.io/tlsMode": "istio" },
        },
      ],
      // Only the egress gateway's namespace sees the exporter's FQDN.
      exportTo: ["."],
    },
  };
  // For any sidecar of the egress gateway's namespace that would call the FQDN, and for
  // audits: the same mTLS the consumers originate. The egress gateway's SNI-DNAT cluster is a
  // plain TCP proxy and takes no TLS from it (the oracle checks that the TLS passes through).
  const destinationRule: Resource = {
    apiVersion,
    kind: "DestinationRule",
    metadata: { name, namespace: eg.namespace, labels: meta },
    spec: {
      host: fqdn,
      trafficPolicy: {
        portLevelSettings: e.ports.map((p) => ({
          port: { number: p.number },
          tls: { mode: "ISTIO_MUTUAL", sni: outboundSni(p.number, fqdn), subjectAltNames: [spiffeId(exporter.trustDomain, e.namespace, e.serviceAccount)] },
        })),
      },
      exportTo: ["."],
    },
  };
  return [gateway, serviceEntry, destinationRule];
}

/** Install settings of a mesh's egress gateway: its Service publishes the passthrough port. */
export function egressGatewayInstall(mesh: Mesh): { component: Record<string, unknown>; helmValues: Record<string, unknown> } | undefined {
  const eg = mesh.egressGateway;
  if (!eg) return undefined;
  const port = { name: "tls-meshfed", port: EGRESS_PORT, targetPort: EGRESS_PORT };
  return {
    component: {
      name: eg.service,
      namespace: eg.namespace,
      enabled: true,
      label: { ...eg.selector },
      k8s: { service: { type: "ClusterIP", ports: [port] } },
    },
    helmValues: {
      name: eg.service,
      labels: { ...eg.selector },
      service: { type: "ClusterIP", ports: [{ ...port, protocol: "TCP" }] },
    },
  };
}
