import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { DNS_CAPTURE_ANNOTATION_VALUE } from "../../src/compile/compile-install.js";
import { INTERNAL_LOAD_BALANCER_ANNOTATIONS } from "../../src/compile/compile-network.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { formatPlan, planFederation } from "../../src/plan/plan.js";
import { renderYamlStream } from "../../src/render/render.js";
import { minimal } from "../helpers/fixtures.js";

function compile(text: string) {
  const parsed = parseFederation(text, "f.yaml");
  if (!parsed.federation) throw new Error(JSON.stringify(parsed.diagnostics));
  const { compiled } = compileFederation(parsed.federation);
  return { federation: parsed.federation, compiled: compiled!, mesh: (name: string) => compiled!.meshes.find((m) => m.mesh === name)! };
}

const operationsWith = (lines: string) =>
  minimal.replace("      trustDomain: operations.nrc.internal\n", `      trustDomain: operations.nrc.internal\n${lines}`);

/** Two consumer meshes of postgres, operations and staging, with the given egressCIDRs lines. */
const twoConsumers = (operations: string, staging: string) =>
  operationsWith(operations)
    .replace("  exports:\n", `    - name: staging\n      trustDomain: staging.nrc.internal\n${staging}  exports:\n`)
    .replace("        - principal: operations/vault/vault\n", "        - principal: operations/vault/vault\n        - principal: staging/jobs/migrate\n");

describe("network least privilege on the exporter's east-west gateway", () => {
  const c = compile(
    twoConsumers('      egressCIDRs: ["203.0.113.7/32", "10.10.0.0/16"]\n', '      egressCIDRs: ["10.10.0.0/16", "2001:db8::/48", "198.51.100.0/24"]\n'),
  );
  const production = c.mesh("production");

  it("gives the gateway's install values the union of the consumers' egressCIDRs, sorted and deduplicated", () => {
    const ranges = ["10.10.0.0/16", "198.51.100.0/24", "203.0.113.7/32", "2001:db8::/48"];
    const helm = production.install.eastWestGatewayValues as { service: Record<string, unknown> };
    expect(helm.service.loadBalancerSourceRanges).toEqual(ranges);
    expect(helm.service.externalTrafficPolicy).toBe("Local");
    const iop = production.install.istioOperator as { spec: { components: { ingressGateways: { k8s: { service: Record<string, unknown> } }[] } } };
    expect(iop.spec.components.ingressGateways[0]!.k8s.service.loadBalancerSourceRanges).toEqual(ranges);
    expect(iop.spec.components.ingressGateways[0]!.k8s.service.externalTrafficPolicy).toBe("Local");
  });

  it("emits a NetworkPolicy admitting 15443 from those ranges only and 15021 from the cluster", () => {
    const np = production.resources.find((r) => r.kind === "NetworkPolicy")!;
    expect(np.apiVersion).toBe("networking.k8s.io/v1");
    expect(np.metadata.namespace).toBe("istio-system");
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { istio: "eastwestgateway" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: ["10.10.0.0/16", "198.51.100.0/24", "203.0.113.7/32", "2001:db8::/48"].map((cidr) => ({ ipBlock: { cidr } })),
          ports: [{ protocol: "TCP", port: 15443 }],
        },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 15021 }] },
      ],
    });
    // Only exporters get one.
    expect(c.mesh("operations").resources.some((r) => r.kind === "NetworkPolicy")).toBe(false);
  });

  it("plan shows the network layer next to the identity layer", () => {
    const text = formatPlan(planFederation(c.federation, c.compiled));
    expect(text).toContain(
      "    network layer:  port 15443 from 10.10.0.0/16, 198.51.100.0/24, 203.0.113.7/32, 2001:db8::/48 (egressCIDRs of operations, staging); status port 15021 from this cluster\n" +
        "    identity layer: operations.nrc.internal/ns/vault/sa/vault, staging.nrc.internal/ns/jobs/sa/migrate\n",
    );
  });

  it("leaves the gateway open, and says so, when a consumer mesh declares no egressCIDRs", () => {
    const open = compile(twoConsumers('      egressCIDRs: ["203.0.113.7/32"]\n', ""));
    const p = open.mesh("production");
    expect(p.resources.some((r) => r.kind === "NetworkPolicy")).toBe(false);
    expect((p.install.eastWestGatewayValues as { service: Record<string, unknown> }).service.loadBalancerSourceRanges).toBeUndefined();
    const plan = planFederation(open.federation, open.compiled);
    expect(plan.meshes.find((m) => m.mesh === "production")!.networkLayer).toMatchObject({
      sources: null,
      openBecause: "consumer-mesh-without-egress-cidrs",
      undeclared: ["staging"],
    });
    expect(formatPlan(plan)).toContain("network layer:  port 15443 from every address: staging declares no egressCIDRs (MF1091)");
    const none = compile(minimal);
    expect(formatPlan(planFederation(none.federation, none.compiled))).toContain("network layer:  port 15443 from every address: no mesh declares egressCIDRs");
  });

  it("makes the LoadBalancer internal on AKS, EKS and GKE, and adds the user's annotations over them", () => {
    const text = minimal.replace(
      "        address: 10.20.0.10\n",
      '        address: 10.20.0.10\n        internal: true\n        serviceAnnotations: {"service.beta.kubernetes.io/azure-load-balancer-internal-subnet": "ew", "networking.gke.io/load-balancer-type": "Internal"}\n',
    );
    const p = compile(text).mesh("production");
    const annotations = (p.install.eastWestGatewayValues as { service: { annotations: Record<string, string> } }).service.annotations;
    expect(annotations).toEqual({ ...INTERNAL_LOAD_BALANCER_ANNOTATIONS, "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": "ew" });
    expect(annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]).toBe("true");
    expect(annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe("internal");
    expect(annotations["networking.gke.io/load-balancer-type"]).toBe("Internal");
    const iop = p.install.istioOperator as { spec: { components: { ingressGateways: { k8s: { serviceAnnotations: Record<string, string> } }[] } } };
    expect(iop.spec.components.ingressGateways[0]!.k8s.serviceAnnotations).toEqual(annotations);
    // No annotations at all without internal or serviceAnnotations.
    expect((compile(minimal).mesh("production").install.eastWestGatewayValues as { service: object }).service).not.toHaveProperty("annotations");
  });
});

describe("DNS capture scope", () => {
  it("namespaces (the default): nothing mesh-wide, the annotation for the consumer workloads", () => {
    const c = compile(minimal);
    const ops = c.mesh("operations");
    expect(JSON.stringify(ops.install.istiodValues)).not.toContain("ISTIO_META_DNS_CAPTURE");
    expect(JSON.stringify(ops.install.istioOperator)).not.toContain("ISTIO_META_DNS_CAPTURE");
    expect(ops.install.dnsCapture).toEqual({
      scope: "namespaces",
      annotation: { key: "proxy.istio.io/config", value: DNS_CAPTURE_ANNOTATION_VALUE },
      workloads: [{ namespace: "vault", serviceAccounts: ["vault"] }],
    });
    expect(JSON.parse(DNS_CAPTURE_ANNOTATION_VALUE)).toEqual({ proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" } });
    expect(c.mesh("production").install.dnsCapture).toBeUndefined();
    const plan = formatPlan(planFederation(c.federation, c.compiled));
    expect(plan).toContain(
      `on the pod template of each workload running as vault/vault (namespace/serviceAccount) set the annotation proxy.istio.io/config: '${DNS_CAPTURE_ANNOTATION_VALUE}'`,
    );
    expect(plan).toContain("kubectl -n NAMESPACE rollout restart deployment/NAME");
    expect(renderYamlStream(c.compiled, "operations")).toContain(
      `#   podTemplateAnnotations:\n#     proxy.istio.io/config: ${JSON.stringify(DNS_CAPTURE_ANNOTATION_VALUE)}`,
    );
  });

  it("mesh: meshConfig.defaultConfig for every sidecar, as before", () => {
    const c = compile(operationsWith("      dnsCapture: mesh\n"));
    const ops = c.mesh("operations");
    expect((ops.install.istiodValues as { meshConfig: Record<string, unknown> }).meshConfig.defaultConfig).toEqual({
      proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" },
    });
    expect(ops.install.dnsCapture).toEqual({ scope: "mesh", workloads: [{ namespace: "vault", serviceAccounts: ["vault"] }] });
    expect(formatPlan(planFederation(c.federation, c.compiled))).toContain('meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE = "true"');
  });
});

describe("egress gateway", () => {
  const c = compile(operationsWith("      egressGateway: {}\n"));
  const ops = c.mesh("operations");
  const key = (r: { kind: string; metadata: { namespace: string; name: string } }) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;

  it("emits the egress Gateway, ServiceEntry and DestinationRule in the consumer mesh only, in the egress gateway's namespace", () => {
    expect(ops.resources.map(key)).toEqual([
      "Gateway istio-system/meshfed-production-db-postgres-egress",
      "ServiceEntry istio-system/meshfed-production-db-postgres-egress",
      "ServiceEntry vault/meshfed-production-db-postgres",
      "DestinationRule istio-system/meshfed-production-db-postgres-egress",
      "DestinationRule vault/meshfed-production-db-postgres",
    ]);
    expect(c.mesh("production").resources.some((r) => r.metadata.name.endsWith("-egress"))).toBe(false);
    const gw = ops.resources.find((r) => r.kind === "Gateway")!;
    expect(gw.spec).toEqual({
      selector: { istio: "egressgateway" },
      servers: [
        { port: { number: 15443, name: "tls-meshfed-egress", protocol: "TLS" }, hosts: ["postgres.db.svc.cluster.local"], tls: { mode: "AUTO_PASSTHROUGH" } },
      ],
    });
    const se = ops.resources.find((r) => key(r) === "ServiceEntry istio-system/meshfed-production-db-postgres-egress")!;
    expect(se.spec.exportTo).toEqual(["."]);
    expect(se.spec.endpoints).toEqual([{ address: "10.20.0.10", ports: { "tcp-5432": 15443 }, labels: { "security.istio.io/tlsMode": "istio" } }]);
  });

  it("points the consumer's alias at the egress gateway Service and keeps its DestinationRule as without one", () => {
    const alias = ops.resources.find((r) => key(r) === "ServiceEntry vault/meshfed-production-db-postgres")!;
    expect(alias.spec.resolution).toBe("DNS");
    expect(alias.spec.endpoints).toEqual([{ address: "istio-egressgateway.istio-system.svc.cluster.local", ports: { "tcp-5432": 15443 } }]);
    const plain = compile(minimal).mesh("operations");
    const dr = (m: typeof ops) => m.resources.find((r) => key(r) === "DestinationRule vault/meshfed-production-db-postgres")!.spec;
    expect(dr(ops)).toEqual(dr(plain));
    expect(ops.imports[0]!.via).toBe("egress gateway istio-system/istio-egressgateway, then 10.20.0.10:15443");
    expect(ops.install.egressGatewayValues).toEqual({
      name: "istio-egressgateway",
      labels: { istio: "egressgateway" },
      service: { type: "ClusterIP", ports: [{ name: "tls-meshfed", port: 15443, targetPort: 15443, protocol: "TCP" }] },
    });
  });

  it("refuses a consumer in the egress gateway's namespace (MF1100) and two imports it could not tell apart by SNI (MF1101)", () => {
    const inIstio = parseFederation(operationsWith("      egressGateway: {}\n").replace("operations/vault/vault", "operations/istio-system/vault"), "f.yaml");
    expect(inIstio.diagnostics.map((d) => d.code)).toContain("MF1100");
    const twoMeshes = operationsWith("      egressGateway: {}\n")
      .replace("  exports:\n", "    - name: staging\n      trustDomain: staging.nrc.internal\n      eastWestGateway: {address: 10.30.0.10}\n  exports:\n")
      .concat("    - service: staging/db/postgres\n      ports: [{number: 5432}]\n      consumers: [{principal: operations/jobs/etl}]\n");
    const r = parseFederation(twoMeshes, "f.yaml");
    expect(r.federation).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === "MF1101")!;
    expect(d.message).toContain("production/db/postgres and staging/db/postgres");
    expect(d.path).toBe("spec.meshes[0].egressGateway");
  });

  it("refuses an import through the egress gateway that one of the mesh's own Services would shadow (MF1102)", () => {
    const text = operationsWith("      egressGateway: {}\n      eastWestGateway: {address: 10.10.0.10}\n").concat(
      "    - service: operations/db/postgres\n      ports: [{number: 5432}]\n      consumers: [{principal: production/app/client}]\n",
    );
    const r = parseFederation(text, "f.yaml");
    expect(r.federation).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([["MF1102", "spec.meshes[0].egressGateway"]]);
    expect(r.diagnostics[0]!.message).toContain("would route postgres.db.svc.cluster.local to operations/db/postgres");
    // Without the egress gateway the same pair of exports is fine: each sidecar routes by its alias.
    expect(parseFederation(text.replace("      egressGateway: {}\n", ""), "f.yaml").diagnostics).toEqual([]);
  });
});
