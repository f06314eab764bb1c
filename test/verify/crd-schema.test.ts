import { describe, expect, it } from "vitest";
import { parseMeshFiles, parseMeshResources } from "../../src/verify/parse-scenario.js";
import { crdSchemaViolations } from "../../src/verify/crd-schema.js";
import { CEL_RULES } from "../../src/verify/crd-rules.js";
import { goDurationNanos } from "../../src/verify/go-duration.js";
import { CRD_SPEC_SCHEMAS } from "../../src/verify/istio-crd-schemas.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { Resource } from "../../src/verify/types.js";

/** The one resource of a YAML document, as verify reads it. */
function resource(yaml: string): Resource {
  const diagnostics: Diagnostic[] = [];
  const rs = parseMeshFiles([{ file: "mesh/r.yaml", text: yaml }], diagnostics);
  expect(diagnostics).toEqual([]);
  expect(rs).toHaveLength(1);
  return rs[0]!;
}

const gateway = (server: string, apiVersion = "networking.istio.io/v1") => `apiVersion: ${apiVersion}
kind: Gateway
metadata: {name: eastwest, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - ${server}
`;
const autoPassthrough = "{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: [postgres.db.svc.cluster.local]}";

describe("CRD schema check (what the API server refuses before istiod sees it)", () => {
  it("accepts what meshfed and the corpus write, in every served version", () => {
    for (const v of ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"])
      expect(crdSchemaViolations(resource(gateway(autoPassthrough, v)))).toEqual([]);
  });

  it("refuses an unknown field, naming it and its path", () => {
    const r = resource(gateway("{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH, sniHost: x}, hosts: [a.b]}"));
    expect(crdSchemaViolations(r)).toEqual([{ path: "spec.servers[0].tls.sniHost", reason: 'unknown field "sniHost"' }]);
  });

  it("refuses a value outside an enum, listing the values", () => {
    const [v] = crdSchemaViolations(resource(gateway("{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: PASSTHRU}, hosts: [a.b]}")));
    expect(v?.path).toBe("spec.servers[0].tls.mode");
    expect(v?.reason).toMatch(/^Unsupported value: "PASSTHRU": supported values: "PASSTHROUGH", "SIMPLE",/);
  });

  it("refuses a wrong type: a quoted port number is a string, not an integer", () => {
    expect(crdSchemaViolations(resource(gateway("{port: {number: '15443', name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: [a.b]}")))).toEqual([
      { path: "spec.servers[0].port.number", reason: "Invalid value: string: must be of type integer" },
    ]);
  });

  it("refuses a missing required field", () => {
    expect(crdSchemaViolations(resource(gateway("{port: {number: 15443, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: [a.b]}")))).toEqual([
      { path: "spec.servers[0].port.name", reason: "Required value" },
    ]);
  });

  it("treats null as absent (the API server prunes it) and checks map values", () => {
    expect(crdSchemaViolations(resource(gateway(`{port: {number: 15443, name: tls, protocol: TLS}, tls: null, hosts: [a.b], bind: null}`)))).toEqual([]);
    const r = resource(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p, namespace: db}
spec:
  selector: {matchLabels: {app: postgres}}
  portLevelMtls:
    "5432": {mode: STRICTER}
`);
    expect(crdSchemaViolations(r)).toEqual([
      { path: "spec.portLevelMtls.5432.mode", reason: 'Unsupported value: "STRICTER": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"' },
    ]);
  });

  it("refuses two fields of a one-of set together", () => {
    const r = resource(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: db}
spec:
  hosts: [postgres]
  http:
  - fault: {abort: {httpStatus: 503, grpcStatus: UNAVAILABLE}}
    route:
    - destination: {host: postgres}
`);
    expect(crdSchemaViolations(r)).toEqual([
      { path: "spec.http[0].fault.abort", reason: "Invalid value: `httpStatus`, `grpcStatus`, `http2Error` are mutually exclusive (set at most one)" },
    ]);
  });

  it("refuses duplicate keys of a map list and values outside a range or pattern", () => {
    const se = resource(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: s, namespace: db}
spec:
  hosts: [postgres.example]
  ports:
  - {number: 5432, name: tcp, protocol: TCP}
  - {number: 5433, name: tcp, protocol: TCP}
`);
    expect(crdSchemaViolations(se)).toEqual([{ path: "spec.ports[1]", reason: 'Duplicate value: ["tcp"]' }]);
    // YAML 1.1 reads `y` as true: a label value that is a boolean, not a string.
    const dr = resource(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: db}
spec:
  host: postgres
  subsets:
  - {name: a, labels: {v: y}}
`);
    expect(crdSchemaViolations(dr)).toEqual([{ path: "spec.subsets[0].labels.v", reason: "Invalid value: boolean: must be of type string" }]);
    const ap = resource(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: a, namespace: db}
spec:
  targetRefs:
  - {kind: "1Service", name: postgres}
`);
    expect(crdSchemaViolations(ap)).toEqual([
      { path: "spec.targetRefs[0].kind", reason: "Invalid value: \"1Service\": should match '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$'" },
    ]);
  });

  it("leaves kinds and versions without a schema alone", () => {
    expect(crdSchemaViolations(resource("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: db}\nspec: {bogus: 1}\n"))).toEqual([]);
    expect(
      crdSchemaViolations(resource("apiVersion: networking.istio.io/v1\nkind: ProxyConfig\nmetadata: {name: p, namespace: db}\nspec: {bogus: 1}\n")),
    ).toEqual([]);
  });

  it("is reported as MF3104 with the path and reason, and nothing else is checked on the resource", () => {
    const diagnostics: Diagnostic[] = [];
    const meshes = [{ name: "production" }] as unknown as Parameters<typeof parseMeshResources>[0];
    parseMeshResources(
      meshes,
      new Map([
        [
          "production",
          [{ file: "production/gw.yaml", text: gateway("{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: SIMPLE, foo: 1}, hosts: [a.b]}") }],
        ],
      ]),
      diagnostics,
    );
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        "MF3104",
        'production/gw.yaml:1: Gateway istio-system/eastwest: spec.servers[0].tls.foo: unknown field "foo" (the CRD schema of the Istio release verify models)',
      ],
    ]);
  });
});

describe("CEL rules of the CRDs (what x-kubernetes-validations refuse)", () => {
  it("has a TypeScript form of every rule in the schemas", () => {
    const rules = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "x-kubernetes-validations") for (const r of v as { rule: string }[]) rules.add(r.rule);
          else visit(v);
        }
      }
    };
    visit(CRD_SPEC_SCHEMAS);
    expect(rules.size).toBeGreaterThan(10);
    expect([...rules].filter((r) => CEL_RULES[r] === undefined)).toEqual([]);
  });

  it("reads durations as Go does and refuses those under 1ms", () => {
    expect([
      goDurationNanos("1ms"),
      goDurationNanos("1.5s"),
      goDurationNanos("1h2m"),
      goDurationNanos("0"),
      goDurationNanos("10"),
      goDurationNanos("1x"),
    ]).toEqual([1_000_000n, 1_500_000_000n, 3_720_000_000_000n, 0n, undefined, undefined]);
    const dr = (timeout: string) =>
      resource(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: db}
spec:
  host: postgres
  trafficPolicy: {connectionPool: {tcp: {connectTimeout: "${timeout}"}}}
`);
    expect(crdSchemaViolations(dr("10s"))).toEqual([]);
    expect(crdSchemaViolations(dr("1x"))).toEqual([
      { path: "spec.trafficPolicy.connectionPool.tcp.connectTimeout", reason: "Invalid value: must be a valid duration greater than 1ms" },
    ]);
    expect(crdSchemaViolations(dr("500us")).map((v) => v.path)).toEqual(["spec.trafficPolicy.connectionPool.tcp.connectTimeout"]);
  });

  it("refuses what the ServiceEntry and PeerAuthentication rules refuse", () => {
    const se = (extra: string) =>
      crdSchemaViolations(
        resource(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: s, namespace: db}
spec:
  hosts: [postgres.example]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
${extra}`),
      ).map((v) => `${v.path}: ${v.reason}`);
    expect(se("  resolution: STATIC\n  endpoints: [{address: 10.0.0.1, ports: {tcp: 15443}}]\n")).toEqual([]);
    expect(se("  endpoints: [{address: 10.0.0.1}]\n")).toEqual(["spec: Invalid value: NONE mode cannot set endpoints"]);
    expect(se("  resolution: STATIC\n  endpoints: [{address: 10.0.0.1, ports: {tcp: 0}}]\n")).toEqual([
      "spec.endpoints[0].ports.tcp: Invalid value: port must be between 1-65535",
    ]);
    expect(se("  resolution: DNS\n  addresses: [10.0.0.0/24]\n")).toEqual([
      "spec: Invalid value: CIDR addresses are allowed only for NONE/STATIC resolution types",
    ]);
    const pa = crdSchemaViolations(
      resource(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p, namespace: db}
spec:
  portLevelMtls: {"5432": {mode: DISABLE}}
`),
    );
    expect(pa).toEqual([{ path: "spec", reason: "Invalid value: portLevelMtls requires selector" }]);
  });
});
