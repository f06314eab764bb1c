/** One Kubernetes or Istio resource of a mesh, with where it was read. */
export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace, `default` when absent. */
  readonly namespace: string;
  readonly metadata: Record<string, any>;
  readonly spec: Record<string, any>;
  readonly status: Record<string, any>;
  /** Raw object (annotations, items, …). */
  readonly raw: Record<string, any>;
  readonly file: string;
  readonly line: number;
  /** Document text, used only to reserve addresses the way the oracle does. */
  readonly text: string;
}

export interface EastWestGatewaySpec {
  readonly address: string;
  readonly port: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface MeshSpec {
  readonly name: string;
  readonly trustDomain: string;
  readonly trustDomainAliases: readonly string[];
  readonly rootCA: string;
  readonly network: string;
  readonly clusterDomain: string;
  readonly skipValidateTrustDomain: boolean;
  readonly meshConfig: Readonly<Record<string, any>>;
  readonly eastWestGateway?: EastWestGatewaySpec;
}

export type Expectation = "allow" | "deny";
export type DeniedAt = "client" | "gateway" | "server" | "trust";

export interface ProbeSpec {
  readonly name: string;
  readonly from: { readonly mesh: string; readonly namespace: string; readonly serviceAccount: string; readonly labels: Readonly<Record<string, string>> };
  readonly to: { readonly host: string; readonly port: number };
  readonly expect?: Expectation;
  readonly expectDeniedAt?: DeniedAt | null;
  readonly expectReason?: string | null;
  readonly line?: number;
}

export interface ExposureEntry {
  readonly mesh: string;
  readonly host: string;
  readonly port: number;
  readonly admits: string[];
}

/** A scenario directory, parsed (see conformance/README.md). */
export interface Scenario {
  readonly meshes: readonly MeshSpec[];
  readonly probes: readonly ProbeSpec[];
  readonly expectExposure?: readonly ExposureEntry[];
  /** Resources by mesh name, in file order (files sorted by name). */
  readonly resources: ReadonlyMap<string, readonly Resource[]>;
}

export interface ClientHop {
  at: "client";
  mesh: string;
  cluster: string | null;
  tls: string;
  sni: string | null;
  sans: string[];
  endpoint: string | null;
}

export interface GatewayHop {
  at: "gateway" | "egress"; // meshfed-egress: "egress" is the consumer mesh's egress gateway (egress-hop.ts)
  mesh: string;
  matched: string | null;
}

export interface ServerHop {
  at: "server";
  mesh: string;
  workload: string;
  peer: string | null;
  authz: "allow" | "deny" | null;
}

export type Hop = ClientHop | GatewayHop | ServerHop;

export interface ProbeVerdict {
  name: string;
  verdict: "allow" | "deny";
  deniedAt: DeniedAt | null;
  reason: string | null;
  hops: Hop[];
}

/** The verdict JSON, keys in the documented order. */
export interface Verdict {
  probes: ProbeVerdict[];
  exposure: ExposureEntry[];
}

/** Why a probe was denied, and which resource decided it (for text output and explain). */
export interface Denial {
  readonly at: DeniedAt;
  readonly reason: string;
  readonly why: string;
}
