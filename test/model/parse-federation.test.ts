import { describe, expect, it } from "vitest";
import { parseFederation } from "../../src/model/parse-federation.js";
import { exampleText, minimal } from "../helpers/fixtures.js";

function codesOf(text: string) {
  return parseFederation(text, "f.yaml").diagnostics.map((d) => ({
    code: d.code,
    line: d.position?.line,
    column: d.position?.column,
  }));
}

describe("parseFederation", () => {
  it("accepts the bundled example without diagnostics", () => {
    const result = parseFederation(exampleText, "federation.yaml");
    expect(result.diagnostics).toEqual([]);
    expect(result.federation?.meshes.map((m) => m.name)).toEqual(["operations", "staging", "production"]);
  });

  it("fills in defaults", () => {
    const { federation } = parseFederation(minimal);
    const production = federation?.meshes[1];
    expect(production).toMatchObject({
      clusterName: "production",
      network: "production",
      clusterDomain: "cluster.local",
      eastWestGateway: { address: "10.20.0.10", addressKind: "ip", port: 15443, selector: { istio: "eastwestgateway" }, namespace: "istio-system" },
    });
    const e = federation?.exports[0];
    expect(e).toMatchObject({
      serviceAccount: "postgres",
      workloadSelector: { app: "postgres" },
      ports: [{ number: 5432, targetPort: 5432, protocol: "TCP" }],
    });
    expect(e?.consumers[0]?.alias).toBe("postgres.db.production.mesh");
    expect(federation?.importDomain).toBe("mesh");
    expect(federation?.vipRange).toBe("240.241.0.0/16");
  });

  // Each case breaks one thing in the minimal file: the code and its position are the contract.
  it.each([
    [
      "duplicate key",
      "MF1001",
      9,
      7,
      minimal.replace("      trustDomain: operations.nrc.internal\n", "      trustDomain: operations.nrc.internal\n      trustDomain: other.nrc.internal\n"),
    ],
    ["YAML syntax error", "MF1001", 5, 1, minimal.replace("  name: nrc", "  name: [nrc")],
    ["wrong apiVersion", "MF1003", 1, 13, minimal.replace("meshfed.dev/v1alpha1", "meshfed.dev/v1")],
    ["wrong kind", "MF1004", 2, 7, minimal.replace("kind: MeshFederation", "kind: Federation")],
    ["unknown field", "MF1005", 8, 7, minimal.replace("      trustDomain: operations", "      trustDomian: operations")],
    ["missing trust domain", "MF1006", 7, 7, minimal.replace("      trustDomain: operations.nrc.internal\n", "")],
    ["invalid mesh name", "MF1007", 7, 13, minimal.replace("- name: operations", "- name: Operations")],
    ["wildcard alias", "MF1008", 19, 18, minimal.replace("principal: operations/vault/vault", 'principal: operations/vault/vault\n          alias: "*.mesh"')],
    ["bad gateway address", "MF1008", 12, 18, minimal.replace("address: 10.20.0.10", "address: 10.20.0.300")],
    ["port out of range", "MF1009", 16, 19, minimal.replace("number: 5432", "number: 70000")],
    ["malformed service ref", "MF1010", 14, 16, minimal.replace("service: production/db/postgres", "service: production/postgres")],
    ["malformed principal", "MF1011", 18, 22, minimal.replace("principal: operations/vault/vault", "principal: vault/vault")],
    ["wildcard principal", "MF1011", 18, 22, minimal.replace("principal: operations/vault/vault", "principal: operations/vault/*")],
    ["duplicate mesh", "MF1012", 9, 13, minimal.replace("- name: production", "- name: operations")],
    ["unknown consumer mesh", "MF1013", 18, 22, minimal.replace("principal: operations/vault/vault", "principal: staging/vault/vault")],
    ["unknown exporting mesh", "MF1013", 14, 16, minimal.replace("service: production/db/postgres", "service: prod/db/postgres")],
    ["consumer in exporting mesh", "MF1014", 18, 22, minimal.replace("principal: operations/vault/vault", "principal: production/vault/vault")],
    ["exporter without gateway", "MF1015", 9, 13, minimal.replace("      eastWestGateway:\n        address: 10.20.0.10\n", "")],
    ["protocol not allowed", "MF1019", 17, 21, minimal.replace("- number: 5432", "- number: 5432\n          protocol: UDP")],
    ["bad trust domain", "MF1022", 8, 20, minimal.replace("trustDomain: operations.nrc.internal", "trustDomain: spiffe://operations")],
    ["bad vip range", "MF1025", 6, 13, minimal.replace("spec:\n", "spec:\n  vipRange: 240.241.0.1/16\n")],
    ["string where a list is expected", "MF1002", 15, 14, minimal.replace("      ports:\n        - number: 5432\n", "      ports: 5432\n")],
    ["number where a name is expected", "MF1002", 4, 9, minimal.replace("name: nrc", "name: 1234")],
  ])("%s → %s at %s:%s", (_name, code, line, column, text) => {
    const result = parseFederation(text, "f.yaml");
    expect(result.federation).toBeUndefined();
    expect(codesOf(text)).toContainEqual({ code, line, column });
  });

  it("suggests the closest field for a typo", () => {
    const d = parseFederation(minimal.replace("      trustDomain: operations", "      trustDomian: operations"), "f.yaml").diagnostics.find(
      (x) => x.code === "MF1005",
    );
    expect(d?.message).toContain('did you mean "trustDomain"');
    expect(d?.fix).toContain('rename it to "trustDomain"');
    expect(d?.value).toBe("trustDomian");
  });

  it("reports two exports of one service and colliding aliases", () => {
    const text = `${minimal}    - service: production/db/postgres
      ports: [{number: 5433}]
      consumers: [{principal: operations/vault/vault}]
    - service: production/db/pg
      ports: [{number: 5432}]
      consumers: [{principal: operations/vault/vault, alias: postgres.db.production.mesh}]
`;
    const codes = codesOf(text).map((c) => c.code);
    expect(codes).toContain("MF1016");
    expect(codes).toContain("MF1017");
  });

  it("refuses a consumer whose mesh shares the exporter's trust domain", () => {
    const text = minimal.replace("trustDomain: production.nrc.internal", "trustDomain: operations.nrc.internal");
    const result = parseFederation(text, "f.yaml");
    expect(result.federation).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["MF1018", "error"],
      ["MF1031", "error"],
    ]);
    expect(result.diagnostics[0]?.message).toContain("identities collide");
  });

  it("refuses shared trust domains even of meshes that do not federate: a bystander would pass the exporter's guard", () => {
    const text = minimal
      .replace("      consumers:\n        - principal: operations/vault/vault\n", "      consumers: []\n")
      .replace("trustDomain: production.nrc.internal", "trustDomain: operations.nrc.internal");
    const result = parseFederation(text, "f.yaml");
    expect(result.federation).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["MF1018", "error"],
      ["MF1026", "warning"],
    ]);
  });

  it("refuses a consumer mesh with trust domain cluster.local, and only warns for an exporter that keeps it", () => {
    const consumer = parseFederation(minimal.replace("trustDomain: operations.nrc.internal", "trustDomain: cluster.local"), "f.yaml");
    expect(consumer.federation).toBeUndefined();
    expect(consumer.diagnostics.map((d) => d.code)).toEqual(["MF1023", "MF1052"]);
    const exporter = parseFederation(minimal.replace("trustDomain: production.nrc.internal", "trustDomain: cluster.local"), "f.yaml");
    expect(exporter.federation).toBeDefined();
    expect(exporter.diagnostics.map((d) => d.code)).toEqual(["MF1023"]);
  });

  it("reports every problem at once, sorted by position", () => {
    const text = minimal.replace("- name: operations", "- name: Operations").replace("number: 5432", "number: 0");
    const codes = codesOf(text);
    expect(codes.map((c) => c.code)).toEqual(["MF1007", "MF1009"]);
  });

  it.each([
    ["empty file", "MF1027", ""],
    ["two documents", "MF1028", `${minimal}---\n${minimal}`],
    ["a list at the top", "MF1002", "- a\n- b\n"],
  ])("%s → %s", (_name, code, text) => {
    expect(codesOf(text).map((c) => c.code)).toContain(code);
  });
});
