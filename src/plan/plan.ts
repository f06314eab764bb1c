import type { CompiledFederation, Exposure, Import } from "../compile/types.js";
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
  readonly eastWestGateway: string | null;
  readonly exposes: readonly Exposure[];
  readonly imports: readonly Import[];
  readonly resources: readonly { kind: string; namespace: string; name: string }[];
  readonly install: readonly string[];
  /** Present for a mesh whose east-west gateway serves consumers. */
  readonly networkLayer?: NetworkLayerPlan;
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
      if (out.install.acceptedTrustDomains.length > 0) {
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
      if (out.install.eastWestGatewayValues && gw) {
        install.push(
          `east-west gateway in ${gw.namespace} labelled ${Object.entries(gw.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}, publishing only port ${gw.port}`,
        );
      }
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
      return {
        mesh: out.mesh,
        trustDomain: mesh.trustDomain,
        clusterName: mesh.clusterName,
        network: mesh.network,
        eastWestGateway: gw ? `${gw.address}:${gw.port}` : null,
        exposes: out.exposes,
        imports: out.imports,
        resources: out.resources.map((r) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name })),
        install,
        ...(networkLayer ? { networkLayer } : {}),
      };
    }),
  };
}

/** The plan as text for a terminal or a pull-request comment. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [`Federation ${plan.federation}: ${plan.meshes.length} meshes`];
  for (const m of plan.meshes) {
    lines.push("");
    lines.push(
      `mesh ${m.mesh}  (trust domain ${m.trustDomain}, cluster ${m.clusterName}, network ${m.network}${m.eastWestGateway ? `, east-west gateway ${m.eastWestGateway}` : ""})`,
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
