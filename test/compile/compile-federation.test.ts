import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import type { CompiledFederation, Resource } from "../../src/compile/types.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { renderJson, renderYamlStream } from "../../src/render/render.js";
import { exampleText, minimal } from "../helpers/fixtures.js";
import { validateAgainstCrd } from "../helpers/istio-crds.js";

function compile(text: string): CompiledFederation {
  const parsed = parseFederation(text, "f.yaml");
  if (!parsed.federation) throw new Error(JSON.stringify(parsed.diagnostics));
  const result = compileFederation(parsed.federation);
  if (!result.compiled) throw new Error(JSON.stringify(result.diagnostics));
  return result.compiled;
}

function find(c: CompiledFederation, mesh: string, kind: string, namespace?: string): Resource[] {
  return (c.meshes.find((m) => m.mesh === mesh)?.resources ?? []).filter(
    (r) => r.kind === kind && (namespace === undefined || r.metadata.namespace === namespace),
  );
}

describe("compileFederation: the canonical postgres export", () => {
  const c = compile(minimal);

  it("exposes postgres through an exact-host AUTO_PASSTHROUGH Gateway", () => {
    const [gw] = find(c, "production", "Gateway");
    expect(gw?.metadata.namespace).toBe("istio-system");
    expect(gw?.spec).toEqual({
      selector: { istio: "eastwestgateway" },
      servers: [{ port: { number: 15443, name: "tls-meshfed", protocol: "TLS" }, hosts: ["postgres.db.svc.cluster.local"], tls: { mode: "AUTO_PASSTHROUGH" } }],
    });
  });

  it("makes the exported workload STRICT", () => {
    const [pa] = find(c, "production", "PeerAuthentication", "db");
    expect(pa?.spec).toEqual({ selector: { matchLabels: { app: "postgres" } }, mtls: { mode: "STRICT" } });
  });

  it("guards the workload with a DENY policy that admits only the named principal, only on its port", () => {
    const [ap] = find(c, "production", "AuthorizationPolicy", "db");
    expect(ap?.spec).toEqual({
      selector: { matchLabels: { app: "postgres" } },
      action: "DENY",
      rules: [
        { from: [{ source: { notPrincipals: ["production.nrc.internal/*", "operations.nrc.internal/ns/vault/sa/vault"] } }] },
        { from: [{ source: { principals: ["operations.nrc.internal/ns/vault/sa/vault"] } }], to: [{ operation: { notPorts: ["5432"] } }] },
      ],
    });
  });

  it("imports postgres into the consumer namespace only, with a VIP and the gateway as endpoint", () => {
    const [se] = find(c, "operations", "ServiceEntry");
    expect(se?.metadata.namespace).toBe("vault");
    expect(se?.spec).toMatchObject({
      hosts: ["postgres.db.production.mesh"],
      location: "MESH_INTERNAL",
      resolution: "STATIC",
      ports: [{ number: 5432, name: "tcp-5432", protocol: "TCP" }],
      endpoints: [{ address: "10.20.0.10", ports: { "tcp-5432": 15443 } }],
      exportTo: ["."],
    });
    expect((se?.spec.addresses as string[] | undefined)?.[0]).toMatch(/^240\.241\.\d+\.\d+$/);
  });

  it("originates Istio mTLS with the exporter's SNI and verifies the server's SPIFFE ID", () => {
    const [dr] = find(c, "operations", "DestinationRule");
    expect(dr?.metadata.namespace).toBe("vault");
    expect(dr?.spec).toEqual({
      host: "postgres.db.production.mesh",
      trafficPolicy: {
        portLevelSettings: [
          {
            port: { number: 5432 },
            tls: {
              mode: "ISTIO_MUTUAL",
              sni: "outbound_.5432_._.postgres.db.svc.cluster.local",
              subjectAltNames: ["spiffe://production.nrc.internal/ns/db/sa/postgres"],
            },
          },
        ],
      },
      exportTo: ["."],
    });
  });

  it("accepts the consumer's trust domain without trustDomainAliases", () => {
    const prod = c.meshes.find((m) => m.mesh === "production")!;
    expect(prod.install.acceptedTrustDomains).toEqual(["operations.nrc.internal"]);
    const meshConfig = (prod.install.istiodValues as { meshConfig: Record<string, unknown> }).meshConfig;
    expect(meshConfig).toEqual({ trustDomain: "production.nrc.internal", caCertificates: [{ trustDomains: ["operations.nrc.internal"] }] });
    expect(JSON.stringify(prod.install)).not.toContain("trustDomainAliases");
  });

  it("publishes only the AUTO_PASSTHROUGH port on the east-west gateway", () => {
    const prod = c.meshes.find((m) => m.mesh === "production")!;
    expect((prod.install.eastWestGatewayValues as { service: { ports: unknown[] } }).service.ports).toEqual([
      { name: "tls", port: 15443, targetPort: 15443, protocol: "TCP" },
    ]);
    expect(c.meshes.find((m) => m.mesh === "operations")?.install.eastWestGatewayValues).toBeUndefined();
  });

  it("labels every resource as meshfed's, with the federation and export", () => {
    for (const m of c.meshes) {
      for (const r of m.resources) {
        expect(r.metadata.labels).toMatchObject({
          "app.kubernetes.io/managed-by": "meshfed",
          "meshfed.dev/federation": "nrc",
          "meshfed.dev/export": "production.db.postgres",
        });
      }
    }
  });
});

describe("compileFederation: variants", () => {
  it("uses DNS resolution for a hostname gateway", () => {
    const c = compile(minimal.replace("address: 10.20.0.10", "address: ew.production.example"));
    expect(find(c, "operations", "ServiceEntry")[0]?.spec).toMatchObject({
      resolution: "DNS",
      endpoints: [{ address: "ew.production.example", ports: { "tcp-5432": 15443 } }],
    });
  });

  it("gives each port of a multi-port export its own SNI and matches target ports in the policy", () => {
    const text = minimal.replace("        - number: 5432\n", "        - number: 5432\n        - {number: 8080, targetPort: 18080, protocol: HTTP}\n");
    const c = compile(text);
    const dr = find(c, "operations", "DestinationRule")[0]!;
    const sni = (dr.spec.trafficPolicy as { portLevelSettings: { tls: { sni: string } }[] }).portLevelSettings.map((p) => p.tls.sni);
    expect(sni).toEqual(["outbound_.5432_._.postgres.db.svc.cluster.local", "outbound_.8080_._.postgres.db.svc.cluster.local"]);
    const ap = find(c, "production", "AuthorizationPolicy")[0]!;
    expect(JSON.stringify(ap.spec)).toContain('"notPorts":["5432","18080"]');
  });

  it("emits nothing for an export without consumers", () => {
    const text = minimal.replace("      consumers:\n        - principal: operations/vault/vault\n", "      consumers: []\n");
    const c = compile(text);
    expect(c.meshes.flatMap((m) => m.resources)).toEqual([]);
  });

  it("keeps a service's VIP when other exports are added", () => {
    const before = find(compile(minimal), "operations", "ServiceEntry")[0]!.spec.addresses;
    const more = `${minimal}    - service: production/web/frontend
      ports: [{number: 80, protocol: HTTP}]
      consumers: [{principal: operations/vault/vault}]
`;
    const after = find(compile(more), "operations", "ServiceEntry").find((r) => r.metadata.name === "meshfed-production-db-postgres")!.spec.addresses;
    expect(after).toEqual(before);
  });

  it("reports an exhausted VIP range", () => {
    const text = `${minimal.replace("spec:\n", "spec:\n  vipRange: 240.241.0.0/30\n")}    - service: production/db/other
      ports: [{number: 1}]
      consumers: [{principal: operations/vault/vault}]
    - service: production/db/third
      ports: [{number: 1}]
      consumers: [{principal: operations/vault/vault}]
`;
    const parsed = parseFederation(text, "f.yaml");
    const result = compileFederation(parsed.federation!);
    expect(result.compiled).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.position?.line])).toEqual([["MF2001", 6]]);
  });
});

describe("the bundled example", () => {
  const c = compile(exampleText);

  it("validates every emitted resource against Istio's CRD schemas", () => {
    // Kubernetes' own kinds (the east-west gateway's NetworkPolicy) are checked by the real API server in test/kube.
    const all = c.meshes.flatMap((m) => [...m.resources.filter((r) => r.apiVersion.includes("istio.io")), m.install.istioOperator as unknown as Resource]);
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) expect(() => validateAgainstCrd(r), `${r.kind} ${r.metadata.name}`).not.toThrow();
  });

  it("the CRD check does catch a broken resource", () => {
    const [gw] = find(c, "production", "Gateway");
    const broken = structuredClone(gw!) as unknown as { spec: { servers: { tls: { mode: string } }[] } };
    broken.spec.servers[0]!.tls.mode = "PASSTHROUGH_EVERYTHING";
    expect(() => validateAgainstCrd(broken as unknown as Resource)).toThrow(/mode/);
  });

  it("renders byte-identically twice, from separately parsed inputs", () => {
    expect(renderYamlStream(compile(exampleText))).toBe(renderYamlStream(c));
    expect(renderJson(compile(exampleText))).toBe(renderJson(c));
  });

  it("never emits a wildcard host or a ServiceEntry without addresses", () => {
    for (const r of c.meshes.flatMap((m) => m.resources)) {
      if (r.kind === "Gateway") {
        const hosts = (r.spec.servers as { hosts: string[] }[]).flatMap((s) => s.hosts);
        for (const h of hosts) expect(h).not.toMatch(/\*|\//);
      }
      if (r.kind === "ServiceEntry") {
        expect((r.spec.addresses as string[]).length).toBe(1);
        expect(r.spec.exportTo).toEqual(["."]);
      }
    }
  });

  it("sorts resources by kind, namespace and name", () => {
    for (const m of c.meshes) {
      const keys = m.resources.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
      const kinds = ["Gateway", "PeerAuthentication", "AuthorizationPolicy", "ServiceEntry", "DestinationRule", "NetworkPolicy"];
      const sorted = [...keys].sort((a, b) => {
        const [ka, ...ra] = a.split("/");
        const [kb, ...rb] = b.split("/");
        return kinds.indexOf(ka!) - kinds.indexOf(kb!) || ra.join("/").localeCompare(rb.join("/"));
      });
      expect(keys).toEqual(sorted);
    }
  });
});
