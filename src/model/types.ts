import type { SourceMap } from "./check-schema.js";

/** A mesh's east-west gateway, as other meshes dial it. */
export interface EastWestGateway {
  /** IP address or DNS name. */
  readonly address: string;
  readonly addressKind: "ip" | "dns";
  readonly port: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** The LoadBalancer is internal (the clouds' internal load balancer annotations). */
  readonly internal?: boolean;
  /** Extra annotations for the gateway's Service. */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
}

/** A consumer mesh's own egress gateway, through which its imports leave. */
export interface EgressGateway {
  readonly selector: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** The gateway's Service name in `namespace`. */
  readonly service: string;
}

/** One Istio mesh (one Kubernetes cluster), defaults filled in. */
export interface Mesh {
  readonly name: string;
  readonly clusterName: string;
  readonly network: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  /** Absent when the mesh exports nothing and declares no gateway. */
  readonly eastWestGateway?: EastWestGateway;
  /** The Istio release the mesh runs, as declared (`"1.9.1"`, `"1.22"`); absent: the default (see `istio-release.ts`). */
  readonly istioVersion?: string;
  /** Source CIDRs other meshes see from this mesh's pods; absent when not declared. */
  readonly egressCIDRs?: readonly string[];
  /** Where DNS capture is enabled; absent means `namespaces`. */
  readonly dnsCapture?: "mesh" | "namespaces";
  /** The egress gateway this mesh's imports leave through. */
  readonly egressGateway?: EgressGateway;
}

export type PortProtocol = "TCP" | "HTTP" | "HTTP2" | "GRPC";

export interface ExportPort {
  /** The Service port: what the SNI names. */
  readonly number: number;
  /** The workload port the Service forwards to: what authorization policies match. */
  readonly targetPort: number;
  readonly protocol: PortProtocol;
}

/** `mesh/namespace/serviceAccount`. */
export interface Principal {
  readonly mesh: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface Consumer {
  readonly principal: Principal;
  /** The host the consumer dials. */
  readonly alias: string;
  /** Index in the export's `consumers` list, for source positions. */
  readonly index: number;
}

/** A Kubernetes Service exported from its mesh to named consumers. */
export interface Export {
  readonly mesh: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly workloadSelector: Readonly<Record<string, string>>;
  readonly ports: readonly ExportPort[];
  readonly consumers: readonly Consumer[];
  /** Index in `spec.exports`, for source positions. */
  readonly index: number;
}

/** A validated federation with every default applied. */
export interface Federation {
  readonly name: string;
  readonly importDomain: string;
  readonly vipRange: string;
  readonly meshes: readonly Mesh[];
  readonly exports: readonly Export[];
  /** Where each field came from; absent for federations built in code. */
  readonly sourceMap?: SourceMap;
}
