import { Type, type Static } from "@sinclair/typebox";

/**
 * The federation file's schema: the one definition that the parser walks (types, required
 * fields, unknown fields, formats, defaults) and that `meshfed schema` prints as JSON Schema.
 *
 * `format` names a meshfed check (see `formats.ts`); `pattern` repeats it for editors.
 */

export const API_VERSION = "meshfed.dev/v1alpha1";
export const KIND = "MeshFederation";

export const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const DNS1123_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

const label = (description: string) => Type.String({ format: "dns1123-label", pattern: DNS1123_LABEL, maxLength: 63, description });

const selector = (description: string) =>
  Type.Record(Type.String({ format: "label-key" }), Type.String({ format: "label-value" }), {
    description,
  });

export const EastWestGatewaySchema = Type.Object(
  {
    address: Type.Optional(
      Type.String({
        format: "address",
        description: "IP address or DNS name that other meshes dial to reach this mesh's east-west gateway (its LoadBalancer address).",
      }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        default: 15443,
        description: "The gateway's AUTO_PASSTHROUGH port.",
      }),
    ),
    selector: Type.Optional(selector("Labels of the east-west gateway pods; the exporter's Gateway selects them.")),
    internal: Type.Optional(
      Type.Union([Type.Literal(true), Type.Literal(false)], {
        default: false,
        description:
          "Make the gateway's LoadBalancer internal (a private address): sets the internal load balancer annotations of AKS, EKS and GKE on its Service.",
      }),
    ),
    serviceAnnotations: Type.Optional(
      Type.Record(Type.String({ format: "label-key" }), Type.String(), {
        description: "Annotations for the gateway's Service (other clouds' load balancer settings); they win over those `internal` sets.",
      }),
    ),

    namespace: Type.Optional(
      Type.String({
        format: "dns1123-label",
        pattern: DNS1123_LABEL,
        default: "istio-system",
        description: "Namespace the east-west gateway runs in.",
      }),
    ),
  },
  { additionalProperties: false, description: "How other meshes reach this mesh." },
);

export const EgressGatewaySchema = Type.Object(
  {
    selector: Type.Optional(selector("Labels of the egress gateway pods. Default: `{istio: egressgateway}`.")),
    namespace: Type.Optional(
      Type.String({
        format: "dns1123-label",
        pattern: DNS1123_LABEL,
        default: "istio-system",
        description: "Namespace the egress gateway runs in.",
      }),
    ),
    service: Type.Optional(
      Type.String({
        format: "dns1123-label",
        pattern: DNS1123_LABEL,
        default: "istio-egressgateway",
        description: "Name of the egress gateway's Kubernetes Service, which the consumers' sidecars dial.",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "This mesh's imports leave through its own egress gateway (a fixed egress address firewalls can name); the gateway passes the consumer's mTLS through by SNI and never terminates it.",
  },
);

export const MeshSchema = Type.Object(
  {
    name: label("Mesh name, used in service references and principals (`mesh/namespace/name`)."),
    clusterName: Type.Optional(
      Type.String({
        format: "cluster-name",
        pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
        maxLength: 63,
        description:
          "Istio `values.global.multiCluster.clusterName` (the cluster ID, a `topology.istio.io/cluster` label value; Istio's default is `Kubernetes`). Keep the one the cluster runs. Default: the mesh name.",
      }),
    ),
    network: Type.Optional(
      Type.String({
        format: "dns1123-label",
        pattern: DNS1123_LABEL,
        description: "Istio `values.global.network`. Default: the mesh name.",
      }),
    ),
    trustDomain: Type.String({
      format: "trust-domain",
      description: "The mesh's SPIFFE trust domain (`meshConfig.trustDomain`). Every mesh needs its own.",
    }),
    clusterDomain: Type.Optional(
      Type.String({
        format: "host",
        default: "cluster.local",
        description: "The Kubernetes cluster DNS domain.",
      }),
    ),
    eastWestGateway: Type.Optional(EastWestGatewaySchema),
    istioVersion: Type.Optional(
      Type.String({
        format: "istio-version",
        pattern: "^[0-9]+\\.[0-9]+(\\.[0-9]+)?$",
        description:
          'The Istio release the mesh runs, `"1.9.1"` or a release line `"1.22"` (quote it: YAML reads 1.10 as the number 1.1). meshfed emits what that release understands. Default: 1.31, the release the conformance oracle proves against. 1.8 or later.',
      }),
    ),
    egressCIDRs: Type.Optional(
      Type.Array(Type.String({ format: "source-cidr" }), {
        description:
          "Source addresses other meshes see from this mesh's pods (its NAT gateway, egress IPs or node subnet), as CIDRs. The east-west gateways this mesh calls admit port 15443 from these only.",
      }),
    ),
    dnsCapture: Type.Optional(
      Type.Union([Type.Literal("namespaces"), Type.Literal("mesh")], {
        default: "namespaces",
        description:
          "Where the sidecar's DNS proxy answers for imported hosts: `namespaces` (the consumer workloads only, through their `proxy.istio.io/config` annotation) or `mesh` (every sidecar, through meshConfig.defaultConfig).",
      }),
    ),
    egressGateway: Type.Optional(EgressGatewaySchema),
  },
  { additionalProperties: false },
);

export const PortSchema = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 65535, description: "Service port number." }),
    targetPort: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: "Container port the Service forwards to, when it differs from `number`; authorization policies match on it. Default: `number`.",
      }),
    ),
    protocol: Type.Optional(
      Type.Union([Type.Literal("TCP"), Type.Literal("HTTP"), Type.Literal("HTTP2"), Type.Literal("GRPC")], {
        default: "TCP",
        description: "Protocol of the port, as Istio names it.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ConsumerSchema = Type.Object(
  {
    principal: Type.String({
      format: "principal",
      description: "The caller, `mesh/namespace/serviceAccount`.",
    }),
    alias: Type.Optional(
      Type.String({
        format: "host",
        description: "Host name the consumer dials. Default: `<service>.<namespace>.<mesh>.<importDomain>`.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ExportSchema = Type.Object(
  {
    service: Type.String({
      format: "service-ref",
      description: "The exported Kubernetes Service, `mesh/namespace/name`.",
    }),
    serviceAccount: Type.Optional(
      Type.String({
        format: "dns1123-subdomain",
        pattern: DNS1123_SUBDOMAIN,
        description: "Service account of the exported workload: the identity consumers verify.",
      }),
    ),
    workloadSelector: Type.Optional(selector("Labels of the exported workload's pods. Default: `{app: <name>}`.")),
    ports: Type.Array(PortSchema, { minItems: 1, description: "Exported ports." }),
    consumers: Type.Array(ConsumerSchema, { description: "Who may call the service." }),
  },
  { additionalProperties: false },
);

export const SpecSchema = Type.Object(
  {
    importDomain: Type.Optional(
      Type.String({
        format: "host",
        default: "mesh",
        description: "Suffix of default alias hosts: `<service>.<namespace>.<mesh>.<importDomain>`.",
      }),
    ),
    vipRange: Type.Optional(
      Type.String({
        format: "cidr",
        default: "240.241.0.0/16",
        description: "IPv4 range for the stable virtual IPs of imported services (outside Istio's auto-allocation range 240.240.0.0/16).",
      }),
    ),
    meshes: Type.Array(MeshSchema, { minItems: 1 }),
    exports: Type.Optional(Type.Array(ExportSchema, { default: [] })),
  },
  { additionalProperties: false },
);

export const FederationSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(KIND),
    metadata: Type.Object({ name: label("Federation name; labels every emitted resource.") }, { additionalProperties: false }),
    spec: SpecSchema,
  },
  {
    additionalProperties: false,
    $id: "https://meshfed.dev/schemas/v1alpha1/meshfederation.json",
    title: "MeshFederation",
    description: "A meshfed federation: meshes, and the services each exports to named consumers.",
  },
);

export type FederationDocument = Static<typeof FederationSchema>;
