import type { CompiledFederation, Exposure, Import } from "../compile/types.js";
import { atLeast, CNI_DNS_CAPTURE_SINCE, caCertificatesBackport, formatIstioRelease, releaseProfile } from "../model/istio-release.js";
import type { Federation } from "../model/types.js";
import { gatewayServiceSettings } from "../compile/compile-network.js";

/** Who may open a connection to a mesh's east-west gateway (network layer), beside who is served (identity layer). */
export interface NetworkLayerPlan {
  readonly port: number;
  /** The source CIDRs admitted; `null` when every address may connect. */
  readonly sources: readonly string[] | null;
  /** Why every address may connect, when it may. */
  readonly openBecause: "no-mesh-declares-egress-cidrs" | "consumer-mesh-without-egress-cidrs" | null;
  readonly consumerMeshes: readonly string[];
  /** Consumer meshes without egressCIDRs. */
  readonly undeclared: readonly string[];
  readonly internalLoadBalancer: boolean;
  /** Principals admitted by the exports' guards, over every export of the mesh. */
  readonly identities: readonly string[];
}

export interface MeshPlan {
  readonly mesh: string;
  readonly trustDomain: string;
  readonly clusterName: string;
  readonly network: string;
  /** The declared Istio release; absent when the mesh runs the default. */
  readonly istioVersion?: string;
  readonly eastWestGateway: string | null;
  readonly exposes: readonly Exposure[];
  readonly imports: readonly Import[];
  readonly resources: readonly { kind: string; namespace: string; name: string }[];
  /** The install-time settings in words, one line each. */
  readonly install: readonly string[];
  /** Present for a mesh whose east-west gateway serves consumers. */
  readonly networkLayer?: NetworkLayerPlan;
  /** The same settings as data: the Helm/IstioOperator path, its value and why it is set. */
  readonly installSettings: readonly InstallSetting[];
}

/** One install-time setting of a mesh. */
export interface InstallSetting {
  /** `meshConfig.trustDomain`, ...; `eastWestGateway` / `egressGateway` for the gateways meshfed's values install. */
  readonly path: string;
  readonly value: string | readonly string[] | { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly port: number };
  readonly why: string;
}

export interface Plan {
  readonly federation: string;
  readonly meshes: readonly MeshPlan[];
}

/** A reviewer's summary of what each mesh exposes, imports and must set at install time. */
export function planFederation(federation: Federation, compiled: CompiledFederation): Plan {
  return {
    federation: compiled.federation,
    meshes: compiled.meshes.map((out) => {
      const mesh = federation.meshes.find((m) => m.name === out.mesh)!;
      const gw = mesh.eastWestGateway;
      const install = [
        `meshConfig.trustDomain = ${mesh.trustDomain}`,
        `values.global.meshID = ${mesh.name}`,
        `values.global.multiCluster.clusterName = ${mesh.clusterName}`,
        `values.global.network = ${mesh.network}`,
      ];
      const release = releaseProfile(mesh.istioVersion);
      const version = mesh.istioVersion ?? formatIstioRelease(release.release);
      if (out.install.skipValidateTrustDomain) {
        const backport = caCertificatesBackport(release.release);
        install.push(
          `values.pilot.env.PILOT_SKIP_VALIDATE_TRUST_DOMAIN = "true" (Istio ${version} cannot accept only [${out.install.acceptedTrustDomains.join(", ")}]: ` +
            `its sidecars accept every trust domain under the shared root; the exported services' guards still admit only the named consumers, a pod reached directly only what its own policies admit; ` +
            `Istio ${backport ? formatIstioRelease(backport) : "1.18"} accepts exactly the consumers' trust domains, MF1073)`,
        );
      } else if (out.install.acceptedTrustDomains.length > 0) {
        install.push(
          `meshConfig.caCertificates[].trustDomains = [${out.install.acceptedTrustDomains.join(", ")}] (accept consumers' identities without widening principals)`,
        );
      }
      const dns = out.install.dnsCapture;
      if (dns?.scope === "mesh")
        install.push('meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE = "true" (resolve imported hosts; every sidecar of the mesh)');
      if (dns?.annotation) {
        const who = dns.workloads.flatMap((w) => w.serviceAccounts.map((sa) => `${w.namespace}/${sa}`)).join(", ");
        install.push(
          `DNS capture, consumer workloads only (dnsCapture: namespaces): on the pod template of each workload running as ${who} (namespace/serviceAccount) set the annotation ${dns.annotation.key}: '${dns.annotation.value}' (merge the proxyMetadata key into an existing one), then restart it: kubectl -n NAMESPACE rollout restart deployment/NAME`,
        );
      }
      if (out.imports.length > 0 && !atLeast(release.release, CNI_DNS_CAPTURE_SINCE))
        install.push(
          `sidecars installed with istio-init, not the Istio CNI plugin (Istio ${version}'s CNI plugin does not redirect DNS; it does from 1.11, MF1074)`,
        );
      if (out.install.eastWestGatewayValues && gw) {
        install.push(
          `east-west gateway in ${gw.namespace} labelled ${Object.entries(gw.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(
              ",",
            )}, publishing only port ${gw.port}${release.gatewayChart === "gateway" ? "" : ` (Helm chart gateways/istio-ingress: Istio ${version} has no gateway chart)`}`,
        );
      }
      if (mesh.istioVersion !== undefined) {
        install.push(
          `Istio ${version}: resources as ${release.networkingApiVersion} and ${release.securityApiVersion}${release.declared && release.networkingApiVersion.endsWith("v1beta1") ? " (v1 is served from 1.22)" : ""}`,
        );
      }
      const installSettings: InstallSetting[] = [
        { path: "meshConfig.trustDomain", value: mesh.trustDomain, why: "the mesh's SPIFFE identity domain" },
        { path: "values.global.meshID", value: mesh.name, why: "the mesh's name" },
        { path: "values.global.multiCluster.clusterName", value: mesh.clusterName, why: "Istio's cluster ID" },
        { path: "values.global.network", value: mesh.network, why: "the mesh's network" },
        ...(out.install.acceptedTrustDomains.length > 0
          ? [
              {
                path: "meshConfig.caCertificates[].trustDomains",
                value: out.install.acceptedTrustDomains,
                why: "accept consumers' identities without widening principals",
              },
            ]
          : []),
        ...(out.install.dnsCapture?.scope === "mesh"
          ? [{ path: "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE", value: "true", why: "resolve imported hosts" }]
          : []),
        ...(out.install.dnsCapture?.annotation
          ? [
              {
                path: `pod annotation ${out.install.dnsCapture.annotation.key}`,
                value: out.install.dnsCapture.annotation.value,
                why: "resolve imported hosts, on the consumer workloads only",
              },
            ]
          : []),
        ...(out.install.eastWestGatewayValues && gw
          ? [
              {
                path: "eastWestGateway",
                value: { namespace: gw.namespace, labels: { ...gw.selector }, port: gw.port },
                why: "publishing only the AUTO_PASSTHROUGH port",
              },
            ]
          : []),
      ];
      const network = gatewayServiceSettings(federation, mesh);
      const anyDeclared = federation.meshes.some((m) => m.egressCIDRs !== undefined);
      const networkLayer: NetworkLayerPlan | undefined =
        gw && network.sources.consumerMeshes.length > 0
          ? {
              port: gw.port,
              sources: network.loadBalancerSourceRanges ?? null,
              openBecause: network.loadBalancerSourceRanges ? null : anyDeclared ? "consumer-mesh-without-egress-cidrs" : "no-mesh-declares-egress-cidrs",
              consumerMeshes: network.sources.consumerMeshes,
              undeclared: network.sources.undeclared,
              internalLoadBalancer: gw.internal === true,
              identities: [...new Set(out.exposes.flatMap((x) => x.admits))].sort(),
            }
          : undefined;
      if (networkLayer?.sources) {
        install.push(
          `east-west gateway Service: loadBalancerSourceRanges = [${networkLayer.sources.join(", ")}], externalTrafficPolicy = Local (keeps the client address for the NetworkPolicy)`,
        );
      }
      if (gw && out.install.eastWestGatewayValues && Object.keys(network.annotations).length > 0) {
        install.push(
          `east-west gateway Service annotations: ${Object.entries(network.annotations)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
        );
      }
      if (out.install.egressGatewayValues && mesh.egressGateway) {
        const eg = mesh.egressGateway;
        install.push(
          `egress gateway ${eg.namespace}/${eg.service} labelled ${Object.entries(eg.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}, its Service publishing port 15443 (AUTO_PASSTHROUGH: the consumers' mTLS passes through by SNI, never terminated)`,
        );
      }
      // The network layer and the egress gateway as data too, beside their words.
      if (networkLayer?.sources) {
        installSettings.push({
          path: "eastWestGateway.service.loadBalancerSourceRanges",
          value: [...networkLayer.sources],
          why: "the consumer meshes' egressCIDRs only (with externalTrafficPolicy Local, which keeps the client address for the NetworkPolicy)",
        });
      }
      if (gw && out.install.eastWestGatewayValues && Object.keys(network.annotations).length > 0) {
        installSettings.push({
          path: "eastWestGateway.service.annotations",
          value: Object.entries(network.annotations).map(([k, v]) => `${k}=${v}`),
          why: "an internal load balancer",
        });
      }
      if (out.install.skipValidateTrustDomain) {
        installSettings.push({
          path: "values.pilot.env.PILOT_SKIP_VALIDATE_TRUST_DOMAIN",
          value: "true",
          why: `Istio ${version} cannot accept only the consumers' trust domains (MF1073)`,
        });
      }
      if (out.install.egressGatewayValues && mesh.egressGateway) {
        const eg = mesh.egressGateway;
        installSettings.push({
          path: "egressGateway",
          value: { namespace: eg.namespace, labels: { ...eg.selector }, port: 15443 },
          why: "imports leave through the mesh's egress gateway (AUTO_PASSTHROUGH by SNI)",
        });
      }
      return {
        mesh: out.mesh,
        trustDomain: mesh.trustDomain,
        clusterName: mesh.clusterName,
        network: mesh.network,
        ...(mesh.istioVersion !== undefined ? { istioVersion: mesh.istioVersion } : {}),
        eastWestGateway: gw ? `${gw.address}:${gw.port}` : null,
        exposes: out.exposes,
        imports: out.imports,
        resources: out.resources.map((r) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name })),
        install,
        installSettings,
        ...(networkLayer ? { networkLayer } : {}),
      };
    }),
  };
}

/**
 * The plan as text for a terminal or a pull-request comment.
 *
 * @param total the federation's mesh count, when `plan` holds only some of them (`--mesh`)
 */
export function formatPlan(plan: Plan, total = plan.meshes.length): string {
  const count = `${total} mesh${total === 1 ? "" : "es"}`;
  const shown = total === plan.meshes.length ? "" : `, showing ${plan.meshes.map((m) => m.mesh).join(", ")}`;
  const lines: string[] = [`Federation ${plan.federation}: ${count}${shown}`];
  for (const m of plan.meshes) {
    lines.push("");
    lines.push(
      `mesh ${m.mesh}  (trust domain ${m.trustDomain}, cluster ${m.clusterName}, network ${m.network}${m.istioVersion !== undefined ? `, Istio ${m.istioVersion}` : ""}${m.eastWestGateway ? `, east-west gateway ${m.eastWestGateway}` : ""})`,
    );
    if (m.exposes.length === 0) lines.push("  exposes: nothing");
    else {
      lines.push("  exposes:");
      for (const x of m.exposes) {
        lines.push(`    ${x.service} ports ${x.ports.join(",")}  →  ${x.admits.join(", ")}`);
      }
    }
    if (m.networkLayer) {
      const n = m.networkLayer;
      lines.push("  who may connect to the east-west gateway:");
      const lb = n.internalLoadBalancer ? ", internal load balancer" : "";
      if (n.sources) {
        lines.push(
          `    network layer:  port ${n.port} from ${n.sources.join(", ")} (egressCIDRs of ${n.consumerMeshes.join(", ")}${lb}); status port 15021 from this cluster`,
        );
      } else if (n.openBecause === "consumer-mesh-without-egress-cidrs") {
        lines.push(
          `    network layer:  port ${n.port} from every address${lb}: ${n.undeclared.join(", ")} declare${n.undeclared.length === 1 ? "s" : ""} no egressCIDRs (MF1091)`,
        );
      } else {
        lines.push(`    network layer:  port ${n.port} from every address${lb}: no mesh declares egressCIDRs`);
      }
      lines.push(`    identity layer: ${n.identities.join(", ")}`);
    }
    if (m.imports.length === 0) lines.push("  imports: nothing");
    else {
      lines.push("  imports:");
      for (const i of m.imports) {
        lines.push(
          `    ${i.namespace}: ${i.alias} (${i.vip}) ports ${i.ports.join(",")}  ←  ${i.from} via ${i.via ?? i.endpoint} [${i.resolution}], verifying ${i.serverIdentity}`,
        );
      }
    }
    if (m.resources.length > 0) {
      lines.push(`  resources (${m.resources.length}):`);
      for (const r of m.resources) lines.push(`    ${r.kind} ${r.namespace}/${r.name}`);
    }
    lines.push("  install-time settings:");
    for (const s of m.install) lines.push(`    ${s}`);
  }
  return `${lines.join("\n")}\n`;
}
