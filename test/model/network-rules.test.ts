import { describe, expect, it } from "vitest";
import { parseSourceCidr } from "../../src/model/formats.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { minimal } from "../helpers/fixtures.js";

/** `minimal` with `lines` added to the operations mesh, from line 9. */
const operationsWith = (lines: string) =>
  minimal.replace("      trustDomain: operations.nrc.internal\n", `      trustDomain: operations.nrc.internal\n${lines}`);

/** A third mesh that consumes postgres too, with or without egressCIDRs. */
const withStaging = (staging: string) =>
  operationsWith('      egressCIDRs: ["203.0.113.7/32"]\n')
    .replace("  exports:\n", `    - name: staging\n      trustDomain: staging.nrc.internal\n${staging}  exports:\n`)
    .replace("        - principal: operations/vault/vault\n", "        - principal: operations/vault/vault\n        - principal: staging/jobs/migrate\n");

describe("egressCIDRs", () => {
  it.each([
    ["203.0.113.7/32", 4, 32],
    ["10.10.0.0/16", 4, 16],
    ["0.0.0.0/0", 4, 0],
    ["2001:db8::/32", 6, 32],
    ["2001:db8:0:0:0:0:0:1/128", 6, 128],
  ])("accepts %s", (cidr, family, prefix) => {
    expect(parseSourceCidr(cidr)).toEqual({ family, prefix, canonical: cidr });
  });

  it.each([["10.10.0.0"], ["10.10.0.0/33"], ["10.10.0.0/-1"], ["300.1.1.1/32"], ["example.com/24"], ["2001:db8::/129"], ["10.10.0.0/016x"]])(
    "refuses %s with MF1090 at its line and column",
    (cidr) => {
      const r = parseFederation(operationsWith(`      egressCIDRs: ["203.0.113.7/32", "${cidr}"]\n`), "f.yaml");
      expect(r.federation).toBeUndefined();
      const d = r.diagnostics.find((x) => x.code === "MF1090");
      expect(d?.position).toEqual({ file: "f.yaml", line: 9, column: 39 });
      expect(d?.path).toBe("spec.meshes[0].egressCIDRs[1]");
      expect(d?.value).toBe(cidr);
    },
  );

  it("refuses host bits and says the canonical range", () => {
    const r = parseFederation(operationsWith('      egressCIDRs: ["10.10.3.4/16", "2001:db8::1/32"]\n'), "f.yaml");
    const found = r.diagnostics.filter((x) => x.code === "MF1090");
    expect(found.map((d) => d.fix)).toEqual([expect.stringContaining('"10.10.0.0/16"'), expect.stringContaining('"2001:db8::/32"')]);
  });

  it("is absent unless declared, and kept as written", () => {
    const plain = parseFederation(minimal, "f.yaml").federation!;
    expect(plain.meshes[0]!.egressCIDRs).toBeUndefined();
    const declared = parseFederation(operationsWith('      egressCIDRs: ["203.0.113.7/32"]\n'), "f.yaml");
    expect(declared.diagnostics).toEqual([]);
    expect(declared.federation!.meshes[0]!.egressCIDRs).toEqual(["203.0.113.7/32"]);
  });

  it("warns (MF1091) about a consumer mesh without egressCIDRs once another mesh declares them", () => {
    const r = parseFederation(withStaging(""), "f.yaml");
    expect(r.federation).toBeDefined();
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.path, d.position?.line])).toEqual([["MF1091", "warning", "spec.meshes[2].name", 14]]);
    expect(r.diagnostics[0]!.message).toBe(
      'mesh "staging" declares no egressCIDRs: the east-west gateway of production keeps accepting port 15443 from every address',
    );
    expect(parseFederation(withStaging('      egressCIDRs: ["198.51.100.0/24"]\n'), "f.yaml").diagnostics).toEqual([]);
  });

  it("warns (MF1092) about a /0 range", () => {
    const r = parseFederation(operationsWith('      egressCIDRs: ["0.0.0.0/0"]\n'), "f.yaml");
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([["MF1092", "spec.meshes[0].egressCIDRs[0]"]]);
  });
});

describe("eastWestGateway.internal and serviceAnnotations, dnsCapture, egressGateway", () => {
  it("fills in defaults", () => {
    const f = parseFederation(minimal, "f.yaml").federation!;
    expect(f.meshes[0]!.dnsCapture).toBe("namespaces");
    expect(f.meshes[1]!.eastWestGateway!.internal).toBeUndefined();
    expect(f.meshes[0]!.egressGateway).toBeUndefined();
    const g = parseFederation(operationsWith("      egressGateway: {}\n"), "f.yaml").federation!;
    expect(g.meshes[0]!.egressGateway).toEqual({ selector: { istio: "egressgateway" }, namespace: "istio-system", service: "istio-egressgateway" });
  });

  it.each([
    ["internal: yes", "        internal: maybe\n", "MF1019"],
    ["a bad annotation key", '        serviceAnnotations: {"bad key!": "x"}\n', "MF1024"],
  ])("refuses %s", (_what, line, code) => {
    const r = parseFederation(minimal.replace("        address: 10.20.0.10\n", `        address: 10.20.0.10\n${line}`), "f.yaml");
    expect(r.diagnostics.map((d) => d.code)).toContain(code);
    expect(r.federation).toBeUndefined();
  });

  it("refuses an unknown dnsCapture with the allowed values", () => {
    const r = parseFederation(operationsWith("      dnsCapture: cluster\n"), "f.yaml");
    expect(r.diagnostics.map((d) => [d.code, d.position?.line])).toEqual([["MF1019", 9]]);
    expect(r.diagnostics[0]!.message).toContain('"namespaces" or "mesh"');
  });
});
