import { describe, expect, it } from "vitest";
import { parseFederation } from "../../src/model/parse-federation.js";
import { minimal } from "../helpers/fixtures.js";

const codes = (text: string) => parseFederation(text, "f.yaml").diagnostics.map((d) => `${d.code}@${d.position?.line}:${d.position?.column}`);

/** A third mesh, and a second export whose consumer names a mesh that does not exist. */
const wider = minimal.replace(
  "  exports:\n",
  `    - name: staging
      trustDomain: staging.nrc.internal
  exports:
    - service: production/db/redis
      ports:
        - number: 6379
      consumers:
        - principal: nowhere/vault/vault
`,
);

describe("validate in one pass: semantic rules run on the well-formed parts", () => {
  it("the example with an unknown consumer mesh is reported alone (baseline)", () => {
    expect(codes(wider)).toEqual(["MF1013@20:22"]);
  });

  it.each([
    ["a misspelt field in a mesh", wider.replace("      trustDomain: staging", "      trustDomian: staging"), ["MF1005@14:7"]],
    ["a bad port in another export", wider.replace("number: 5432", "number: 70000"), ["MF1009@23:19"]],
    ["a bad federation name", wider.replace("name: nrc", "name: NRC"), ["MF1007@4:9"]],
    [
      "a bad principal in the same export",
      wider.replace("        - principal: nowhere/vault/vault\n", "        - principal: nowhere/vault/vault\n        - principal: vault\n"),
      ["MF1011@21:22"],
    ],
  ])("%s: the schema error and the semantic one (MF1013) both", (_name, text, schema) => {
    const found = codes(text);
    expect(found).toEqual(expect.arrayContaining([...schema, "MF1013@20:22"]));
    expect(found).toHaveLength(schema.length + 1);
    expect(parseFederation(text, "f.yaml").federation).toBeUndefined();
  });

  it("a consumer of a mesh whose other fields are broken is not called unknown", () => {
    // staging's trust domain is invalid: the mesh still exists, so its consumer is not MF1013.
    const text = wider
      .replace("principal: nowhere/vault/vault", "principal: staging/vault/vault")
      .replace("trustDomain: staging.nrc.internal", "trustDomain: spiffe://x");
    expect(codes(text)).toEqual(["MF1022@14:20"]);
  });

  it("no finding about a broken part is guessed (a mesh without its gateway address is not MF1015)", () => {
    const text = wider.replace("address: 10.20.0.10", "address: 10.20.0.300");
    expect(codes(text)).toEqual(["MF1008@12:18", "MF1013@20:22"]);
  });

  it("a mesh with a broken name: consumers naming it are not reported, nothing mentions a placeholder", () => {
    const text = wider.replace("- name: staging", "- name: Staging").replace("principal: nowhere/vault/vault", "principal: staging/vault/vault");
    const result = parseFederation(text, "f.yaml");
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MF1007"]);
    for (const d of result.diagnostics) expect(JSON.stringify(d)).not.toContain("\\u0000");
  });

  it("no mesh list (a misspelt key): nothing is judged against it", () => {
    expect(codes(wider.replace("  meshes:\n", "  meshs:\n"))).toEqual(["MF1005@6:3"]);
  });

  it("semantic errors between well-formed parts still show when another part is broken (duplicate mesh)", () => {
    const text = wider.replace("- name: staging", "- name: operations").replace("number: 5432", "number: 0");
    expect(codes(text)).toEqual(expect.arrayContaining(["MF1012@13:13", "MF1009@23:19", "MF1013@20:22"]));
  });
});

describe("clusterName: a Kubernetes label value (Istio's cluster ID)", () => {
  const withClusterNames = (ops: string, prod: string) =>
    minimal
      .replace("trustDomain: operations.nrc.internal", `trustDomain: operations.nrc.internal\n      clusterName: ${ops}`)
      .replace("trustDomain: production.nrc.internal", `trustDomain: production.nrc.internal\n      clusterName: ${prod}`);

  it("accepts Istio's default Kubernetes, and notes (info) two meshes that share it", () => {
    const result = parseFederation(withClusterNames("Kubernetes", "Kubernetes"), "f.yaml");
    expect(result.federation?.meshes.map((m) => m.clusterName)).toEqual(["Kubernetes", "Kubernetes"]);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.path, d.position?.line])).toEqual([["MF1061", "info", "spec.meshes[1].clusterName", 12]]);
    expect(result.diagnostics[0]?.message).toContain('"operations" and "production" share clusterName "Kubernetes"');
  });

  it.each(["Cluster_1.east", "a", "K8s-Prod"])("accepts %s", (name) => {
    expect(parseFederation(withClusterNames(name, "other"), "f.yaml").diagnostics).toEqual([]);
  });

  it.each(["-bad", "has space", "a/b", "x".repeat(64), '""', "end."])("refuses %s with MF1060", (name) => {
    const d = parseFederation(withClusterNames(name, "other"), "f.yaml").diagnostics;
    expect(d.map((x) => [x.code, x.path])).toEqual([["MF1060", "spec.meshes[0].clusterName"]]);
  });
});
