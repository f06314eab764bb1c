import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/verify/types.js";
import { validateIstioResources } from "../../src/verify/validate-istio.js";
import { destinationRule as rule } from "./helpers.js";

describe("istiod validation of client-side settings (MF3104)", () => {
  // The rule a message names: each rule's message has its own wording (codes.ts istioValidation).
  const rules: [string, string][] = [
    ["insecure-skip-verify-with-ca", "when InsecureSkipVerify is set true"],
    ["credential-name-with-files", "If credentialName is set"],
    ["configmap-credential-namespace", "invalid configmap:// credentialName"],
    ["cidr-with-dns", "CIDR addresses are allowed only"],
  ];
  const refused = (r: Resource) => validateIstioResources([r]).map((d) => rules.find(([, text]) => d.message.includes(text))?.[0] ?? d.message);
  const tlsRule = (tls: Record<string, unknown>) => refused(rule({ tls }));

  it("insecureSkipVerify with a CA, a SIMPLE credentialName or SANs (agent/validation.go ValidateTLS)", () => {
    expect(tlsRule({ mode: "SIMPLE", insecureSkipVerify: true, subjectAltNames: ["a"] })).toEqual(["insecure-skip-verify-with-ca"]);
    expect(tlsRule({ mode: "SIMPLE", insecureSkipVerify: true, credentialName: "c" })).toEqual(["insecure-skip-verify-with-ca"]);
    expect(tlsRule({ mode: "MUTUAL", insecureSkipVerify: true, credentialName: "c", caCertificates: "/ca" })).toEqual(["insecure-skip-verify-with-ca"]);
    expect(tlsRule({ mode: "MUTUAL", insecureSkipVerify: true, credentialName: "c" })).toEqual([]);
    expect(tlsRule({ mode: "SIMPLE", insecureSkipVerify: true, subjectAltNames: [] })).toEqual([]);
    expect(tlsRule({ mode: "ISTIO_MUTUAL", insecureSkipVerify: true, subjectAltNames: ["a"] })).toEqual([]);
  });

  it("credentialName with certificate files; configmap:// outside the rule's namespace", () => {
    expect(tlsRule({ mode: "SIMPLE", credentialName: "c", caCertificates: "/ca" })).toEqual(["credential-name-with-files"]);
    expect(tlsRule({ mode: "SIMPLE", credentialName: "configmap://vault/ca" })).toEqual([]);
    expect(tlsRule({ mode: "SIMPLE", credentialName: "configmap://billing/ca" })).toEqual(["configmap-credential-namespace"]);
    expect(tlsRule({ mode: "SIMPLE", credentialName: "configmap://ca" })).toEqual(["configmap-credential-namespace"]);
  });

  it("CIDR addresses only with resolution NONE or STATIC (validation.go ValidateServiceEntry)", () => {
    const se = (resolution: string): Resource => ({
      ...rule({}),
      kind: "ServiceEntry",
      spec: { hosts: ["a.example"], addresses: ["240.241.2.0/24"], ports: [{ number: 5432, name: "tcp", protocol: "TCP" }], resolution },
    });
    expect(refused(se("DNS"))).toEqual(["cidr-with-dns"]);
    expect(refused(se("DNS_ROUND_ROBIN"))).toEqual(["cidr-with-dns"]);
    expect(refused(se("STATIC"))).toEqual([]);
  });
});

describe("istiod validation of a Sidecar's outboundTrafficPolicy (validation.go validateSidecarOutboundTrafficPolicy)", () => {
  const sidecar = (outboundTrafficPolicy: Record<string, unknown>): Resource => ({ ...rule({}), kind: "Sidecar", spec: { outboundTrafficPolicy } });
  const refused = (r: Resource) => validateIstioResources([r]).map((d) => d.message.replace(/^.*outboundTrafficPolicy[^:]*: /, ""));
  const proxy = { host: "egress.example", port: { number: 443 } };

  it("egressProxy only with ALLOW_ANY (the mode defaults to REGISTRY_ONLY) and with a port", () => {
    expect(refused(sidecar({ mode: "ALLOW_ANY", egressProxy: proxy }))).toEqual([]);
    expect(refused(sidecar({ egressProxy: proxy }))[0]).toMatch(/only with ALLOW_ANY/);
    expect(refused(sidecar({ mode: "ALLOW_ANY", egressProxy: { host: "egress.example" } }))[0]).toMatch(/port must be non-nil/);
  });

  it("ALLOW_ANY_DYNAMIC_DNS belongs to meshConfig", () => {
    expect(refused(sidecar({ mode: "ALLOW_ANY_DYNAMIC_DNS" }))[0]).toMatch(/only supported in MeshConfig/);
  });
});

describe("istiod validation of exportTo (validation.go validateExportTo)", () => {
  const withExport = (kind: string, exportTo: unknown[], extra: Record<string, unknown> = {}): Resource => ({
    ...rule({}),
    kind,
    spec: {
      host: "postgres.db.production.mesh",
      hosts: ["postgres.db.production.mesh"],
      ...(kind === "VirtualService" ? { tcp: [{ route: [{ destination: { host: "postgres.db.production.mesh" } }] }] } : {}),
      ...(kind === "ServiceEntry" ? { ports: [{ number: 5432, name: "tcp", protocol: "TCP" }] } : {}),
      exportTo,
      ...extra,
    },
  });
  const refused = (r: Resource) => validateIstioResources([r]).map((d) => d.message.replace(/^.*spec\.exportTo: /, ""));

  it("accepts ., *, namespace names (any case), and ~ on a ServiceEntry alone", () => {
    expect(refused(withExport("DestinationRule", ["."]))).toEqual([]);
    expect(refused(withExport("VirtualService", ["billing", "Vault2"]))).toEqual([]);
    expect(refused(withExport("ServiceEntry", ["~"]))).toEqual([]);
  });

  it("refuses duplicates, ~ outside a ServiceEntry, * or ~ with others, names that are not DNS labels", () => {
    expect(refused(withExport("DestinationRule", [".", "vault"]))).toEqual(["duplicate entries in exportTo for entry vault"]);
    expect(refused(withExport("DestinationRule", ["vault", "."]))).toEqual(["duplicate entries in exportTo: . and current namespace vault"]);
    expect(refused(withExport("DestinationRule", ["~"]))).toEqual(["exportTo ~ (none) is not allowed for Istio configuration objects"]);
    expect(refused(withExport("VirtualService", [".", "*"]))).toEqual(["cannot have both public (*) and non-public exportTo values for a resource"]);
    expect(refused(withExport("ServiceEntry", ["~", "billing"]))).toEqual(["cannot export service entry to no one (~) and someone"]);
    expect(refused(withExport("ServiceEntry", ["billing.x"]))).toEqual(["only .,*, or a valid DNS 1123 label is allowed as exportTo entry"]);
  });

  it("a rule with workloadSelector is exported to its own namespace only", () => {
    const selector = { workloadSelector: { matchLabels: { app: "vault" } } };
    expect(refused(withExport("DestinationRule", ["."], selector))).toEqual([]);
    expect(refused(withExport("DestinationRule", ["*"], selector))).toEqual([
      "destination rule with workload selector cannot have exportTo beyond current namespace",
    ]);
  });
});

describe("istiod validation of ports, endpoints and port-level entries", () => {
  const refused = (r: Resource) => validateIstioResources([r]).map((d) => d.message.replace(/^.*?: [A-Za-z]+ [^ ]+: [^:]+: /, ""));
  const se = (spec: Record<string, unknown>): Resource => ({
    ...rule({}),
    kind: "ServiceEntry",
    spec: { hosts: ["a.example"], addresses: ["240.241.2.10"], ports: [{ number: 5432, name: "tcp", protocol: "TCP" }], resolution: "STATIC", ...spec },
  });

  it("ServiceEntry port names and numbers are unique (validation.go ValidateServiceEntry)", () => {
    expect(
      refused(
        se({
          ports: [
            { number: 5432, name: "tcp", protocol: "TCP" },
            { number: 5432, name: "tcp2", protocol: "TCP" },
          ],
        }),
      ),
    ).toEqual(["service entry port 5432 already defined"]);
  });

  it("STATIC endpoints are IP or unix:// addresses; DNS_ROUND_ROBIN takes one endpoint", () => {
    expect(refused(se({ endpoints: [{ address: "gw.example" }] }))).toEqual(['endpoint address "gw.example" is not a valid IP address']);
    expect(refused(se({ endpoints: [{ address: "fd00::10" }, { address: "unix:///var/run/a.sock" }] }))).toEqual([]);
    expect(refused(se({ resolution: "DNS_ROUND_ROBIN", endpoints: [{ address: "a.example" }, { address: "b.example" }] }))).toEqual([
      "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN",
    ]);
  });

  it("a port-level entry names a port and sets something (validation.go validatePortTrafficPolicies)", () => {
    expect(refused(rule({ portLevelSettings: [{ connectionPool: { tcp: { maxConnections: 1 } } }] }))).toEqual(["portTrafficPolicy must have valid port"]);
    expect(refused(rule({ portLevelSettings: [{ port: { number: 5432 } }] }))).toEqual(["port traffic policy must have at least one field"]);
  });

  it("Gateway server port names are unique (validation.go ValidateGateway)", () => {
    const server = (host: string) => ({ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: [host] });
    const gw: Resource = {
      ...rule({}),
      kind: "Gateway",
      spec: { selector: { istio: "eastwestgateway" }, servers: [server("a.example"), server("b.example")] },
    };
    expect(refused(gw)).toEqual(["port names in servers must be unique: duplicate name tls"]);
  });
});
