import type { CompiledFederation, Exposure, Import } from "../compile/types.js";
import { atLeast, CNI_DNS_CAPTURE_SINCE, caCertificatesBackport, formatIstioRelease, releaseProfile } from "../model/istio-release.js";
import type { Federation } from "../model/types.js";

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
  /** The same settings as data: the Helm/IstioOperator path, its value and why it is set. */
  readonly installSettings: readonly InstallSetting[];
}

/** One install-time setting of a mesh. */
export interface InstallSetting {
  /** `meshConfig.trustDomain`, ...; `eastWestGateway` for the gateway meshfed's values install. */
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
      if (out.imports.length > 0) install.push('meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE = "true" (resolve imported hosts)');
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
        ...(out.imports.length > 0
          ? [{ path: "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE", value: "true", why: "resolve imported hosts" }]
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
    if (m.imports.length === 0) lines.push("  imports: nothing");
    else {
      lines.push("  imports:");
      for (const i of m.imports) {
        lines.push(
          `    ${i.namespace}: ${i.alias} (${i.vip}) ports ${i.ports.join(",")}  ←  ${i.from} via ${i.endpoint} [${i.resolution}], verifying ${i.serverIdentity}`,
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
