import { releaseProfile } from "../model/istio-release.js";
import type { Federation, Mesh } from "../model/types.js";
import type { InstallSettings } from "./types.js";
import { gatewayServiceSettings } from "./compile-network.js";
import { egressGatewayInstall } from "./compile-egress.js";

/** Trust domains of the meshes whose workloads consume services this mesh exports. */
export function acceptedTrustDomains(federation: Federation, mesh: Mesh): string[] {
  const domains = new Set<string>();
  for (const e of federation.exports) {
    if (e.mesh !== mesh.name) continue;
    for (const c of e.consumers) {
      const consumer = federation.meshes.find((m) => m.name === c.principal.mesh);
      if (consumer && consumer.trustDomain !== mesh.trustDomain) domains.add(consumer.trustDomain);
    }
  }
  return [...domains].sort();
}

function importsAnything(federation: Federation, mesh: Mesh): boolean {
  return federation.exports.some((e) => e.consumers.some((c) => c.principal.mesh === mesh.name));
}

/**
 * The annotation value that turns DNS capture on for one pod. Istio merges a pod's
 * `proxy.istio.io/config` over meshConfig.defaultConfig key by key for proxyMetadata
 * (pkg/config/mesh/mesh.go MergeProxyConfig, mergeMap), and the injector writes proxyMetadata
 * into the sidecar's environment (injection-template.yaml), which istio-agent reads at start.
 */
export const DNS_CAPTURE_ANNOTATION_VALUE = '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}';

/** The consumer workloads of a mesh: namespace → service accounts, sorted. */
function consumerWorkloads(federation: Federation, mesh: Mesh): { namespace: string; serviceAccounts: string[] }[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const e of federation.exports) {
    for (const c of e.consumers) {
      if (c.principal.mesh !== mesh.name) continue;
      const set = byNamespace.get(c.principal.namespace) ?? new Set<string>();
      set.add(c.principal.serviceAccount);
      byNamespace.set(c.principal.namespace, set);
    }
  }
  return [...byNamespace.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, sas]) => ({ namespace, serviceAccounts: [...sas].sort() }));
}

function exportsAnything(federation: Federation, mesh: Mesh): boolean {
  return federation.exports.some((e) => e.mesh === mesh.name && e.consumers.length > 0);
}

/**
 * The install-time settings of one mesh: identity (meshID, clusterName, network, trust domain),
 * the consumer trust domains its sidecars must accept, DNS capture for imported hosts, and an
 * east-west gateway that publishes only its AUTO_PASSTHROUGH port.
 */
export function compileInstall(federation: Federation, mesh: Mesh): InstallSettings {
  const accepted = acceptedTrustDomains(federation, mesh);
  const gw = mesh.eastWestGateway;
  const withGateway = gw !== undefined && exportsAnything(federation, mesh);
  const release = releaseProfile(mesh.istioVersion);
  // Before 1.18 (1.16.4, 1.17.2) caCertificates[].trustDomains are not read for validation;
  // there the least bad way to accept consumers is to skip trust-domain validation and let
  // the guard decide: trustDomainAliases would rewrite every full principal of this mesh's
  // policies to every consumer mesh, so one consumer mesh's vault/vault would pass a guard
  // naming another's (conformance scenarios 70, 71; MF1073).
  const skipValidation = accepted.length > 0 && release.trustDomainMechanism === "skip-validation";
  // Istio's TrustDomainsForValidation adds caCertificates[].trustDomains to the trust domains
  // a sidecar accepts peers from, while the authorization trust-domain bundle is built from
  // trustDomain and trustDomainAliases only: so this accepts the consumers' certificates
  // without making every local principal also match in their trust domains.
  const meshConfig: Record<string, unknown> = {
    trustDomain: mesh.trustDomain,
    ...(accepted.length > 0 && !skipValidation ? { caCertificates: [{ trustDomains: accepted }] } : {}),
    ...(importsAnything(federation, mesh) && mesh.dnsCapture === "mesh"
      ? {
          defaultConfig: {
            // The sidecar's DNS proxy answers for the imported alias hosts with their VIPs,
            // so applications can dial the alias by name.
            proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" },
          },
        }
      : {}),
  };
  const global = {
    meshID: mesh.name,
    multiCluster: { clusterName: mesh.clusterName },
    network: mesh.network,
  };
  // istiod's environment (pilot.env in both the IstioOperator values and the istiod chart).
  const pilot = skipValidation ? { pilot: { env: { PILOT_SKIP_VALIDATE_TRUST_DOMAIN: "true" } } } : {};
  const gatewayLabels = gw ? { ...gw.selector, "topology.istio.io/network": mesh.network } : {};
  // Network least privilege: the consumers' meshes' egressCIDRs only, internal annotations.
  const network = gatewayServiceSettings(federation, mesh);
  const hasAnnotations = Object.keys(network.annotations).length > 0;
  const sourceRestriction = network.loadBalancerSourceRanges
    ? { loadBalancerSourceRanges: [...network.loadBalancerSourceRanges], externalTrafficPolicy: network.externalTrafficPolicy }
    : {};
  const gatewayPort = gw?.port ?? 15443;
  const egress = importsAnything(federation, mesh) ? egressGatewayInstall(mesh) : undefined;
  const istioOperator: Record<string, unknown> = {
    apiVersion: "install.istio.io/v1alpha1",
    kind: "IstioOperator",
    metadata: { name: `meshfed-${mesh.name}`, namespace: "istio-system" },
    spec: {
      meshConfig,
      values: { global, ...pilot },
      ...(withGateway && gw
        ? {
            components: {
              ...(egress ? { egressGateways: [egress.component] } : {}),
              ingressGateways: [
                {
                  name: "istio-eastwestgateway",
                  namespace: gw.namespace,
                  enabled: true,
                  label: gatewayLabels,
                  k8s: {
                    env: [{ name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: mesh.network }],
                    service: {
                      type: "LoadBalancer",
                      // Only the AUTO_PASSTHROUGH port: the multicluster samples also publish
                      // istiod (15012, 15017), which federation without discovery never needs.
                      ports: [{ name: "tls", port: gatewayPort, targetPort: gatewayPort }],
                      ...sourceRestriction,
                    },
                    ...(hasAnnotations ? { serviceAnnotations: { ...network.annotations } } : {}),
                  },
                },
              ],
            },
          }
        : egress
          ? { components: { egressGateways: [egress.component] } }
          : {}),
    },
  };
  const istiodValues = { global, meshConfig, ...pilot };
  const gatewayPorts = [{ name: "tls", port: gatewayPort, targetPort: gatewayPort, protocol: "TCP" }];
  let eastWestGatewayValues: Record<string, unknown> | undefined;
  if (withGateway && gw && release.gatewayChart === "gateway") {
    eastWestGatewayValues = {
      name: "istio-eastwestgateway",
      labels: gatewayLabels,
      env: { ISTIO_META_REQUESTED_NETWORK_VIEW: mesh.network },
      service: {
        type: "LoadBalancer",
        ports: gatewayPorts,
        ...(hasAnnotations ? { annotations: { ...network.annotations } } : {}),
        ...sourceRestriction,
      },
    };
  } else if (withGateway && gw) {
    // Before 1.12 there is no `gateway` chart: the gateways/istio-ingress chart reads one
    // gateway under gateways.istio-ingressgateway, and sets ISTIO_META_NETWORK from
    // global.network (1.9.1 manifests/charts/gateways/istio-ingress/templates/deployment.yaml:229-232).
    // Helm replaces lists, so `ports` holds only the AUTO_PASSTHROUGH port.
    eastWestGatewayValues = {
      gateways: {
        "istio-ingressgateway": {
          name: "istio-eastwestgateway",
          labels: gatewayLabels,
          env: { ISTIO_META_REQUESTED_NETWORK_VIEW: mesh.network },
          type: "LoadBalancer",
          ports: gatewayPorts,
          ...(hasAnnotations ? { serviceAnnotations: { ...network.annotations } } : {}),
          ...sourceRestriction,
        },
      },
      global: { network: mesh.network },
    };
  }
  const dnsScope = mesh.dnsCapture ?? "namespaces";
  const dnsCapture = importsAnything(federation, mesh)
    ? {
        scope: dnsScope,
        ...(dnsScope === "namespaces" ? { annotation: { key: "proxy.istio.io/config" as const, value: DNS_CAPTURE_ANNOTATION_VALUE } } : {}),
        workloads: consumerWorkloads(federation, mesh),
      }
    : undefined;
  return {
    istioOperator,
    istiodValues,
    ...(eastWestGatewayValues ? { eastWestGatewayValues } : {}),
    ...(eastWestGatewayValues && release.gatewayChart !== "gateway" ? { eastWestGatewayChart: release.gatewayChart } : {}),
    ...(egress ? { egressGatewayValues: egress.helmValues } : {}),
    acceptedTrustDomains: accepted,
    ...(skipValidation ? { skipValidateTrustDomain: true as const } : {}),
    ...(dnsCapture ? { dnsCapture } : {}),
  };
}
