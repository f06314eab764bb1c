/** A Kubernetes object as meshfed emits it: plain data, keys in a stable order. */
export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: Record<string, unknown>;
}

/** What a mesh exposes to other meshes (one entry per export with consumers). */
export interface Exposure {
  readonly service: string;
  readonly host: string;
  readonly ports: readonly number[];
  readonly admits: readonly string[];
  readonly sni: readonly string[];
}

/** What a mesh imports (one entry per consumer namespace and imported service). */
export interface Import {
  readonly namespace: string;
  readonly alias: string;
  readonly vip: string;
  readonly from: string;
  readonly ports: readonly number[];
  readonly endpoint: string;
  readonly resolution: "STATIC" | "DNS";
  readonly principals: readonly string[];
  readonly serverIdentity: string;
  /** The path when the consumer mesh's egress gateway carries the import. */
  readonly via?: string;
}

/** Settings that only take effect at Istio install time. */
export interface InstallSettings {
  /** An IstioOperator overlay for `istioctl install -f`. */
  readonly istioOperator: Record<string, unknown>;
  /** Helm values for the `istiod` chart. */
  readonly istiodValues: Record<string, unknown>;
  /** Helm values for the `gateway` chart, installing an east-west gateway publishing only its AUTO_PASSTHROUGH port; absent when the mesh exports nothing. */
  readonly eastWestGatewayValues?: Record<string, unknown>;
  /** Present when `eastWestGatewayValues` are for another chart than `gateway` (releases before 1.12). */
  readonly eastWestGatewayChart?: "gateways/istio-ingress";
  /** Trust domains this mesh's sidecars must accept besides its own. */
  readonly acceptedTrustDomains: readonly string[];
  /**
   * Present when the mesh's Istio release cannot accept only `acceptedTrustDomains` (before
   * 1.18, 1.17.2, 1.16.4): istiod runs with PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true, its sidecars
   * accept every trust domain under the root, and the guard is the only barrier.
   */
  readonly skipValidateTrustDomain?: true;
  /** Helm values for the `gateway` chart installing this mesh's egress gateway with the passthrough port; absent without `egressGateway`. */
  readonly egressGatewayValues?: Record<string, unknown>;
  /** Where the sidecar's DNS proxy is turned on for imported hosts; absent when the mesh imports nothing. */
  readonly dnsCapture?: DnsCaptureSettings;
}

/**
 * DNS capture for imported hosts. `mesh`: in meshConfig.defaultConfig for every sidecar.
 * `namespaces`: only the consumer workloads, through the pod annotation `annotation` that the
 * user puts on their pod templates (the sidecar reads it when the pod is created).
 */
export interface DnsCaptureSettings {
  readonly scope: "mesh" | "namespaces";
  /** The pod annotation to set, for `namespaces`. */
  readonly annotation?: { readonly key: "proxy.istio.io/config"; readonly value: string };
  /** The consumer workloads: namespace and the service accounts their pods run as. */
  readonly workloads: readonly { readonly namespace: string; readonly serviceAccounts: readonly string[] }[];
}

/** Everything meshfed emits for one mesh. */
export interface MeshOutput {
  readonly mesh: string;
  readonly resources: readonly Resource[];
  readonly install: InstallSettings;
  readonly exposes: readonly Exposure[];
  readonly imports: readonly Import[];
}

export interface CompiledFederation {
  readonly federation: string;
  readonly meshes: readonly MeshOutput[];
}
