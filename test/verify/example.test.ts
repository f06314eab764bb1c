import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { compareExpectations, goJson, verdictJson } from "../../src/verify/format-verdict.js";
import { parseScenario } from "../../src/verify/parse-scenario.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { exampleFile, exampleText } from "../helpers/fixtures.js";

function exampleScenario() {
  const parsed = parseFederation(exampleText, exampleFile);
  const compiled = compileFederation(parsed.federation!);
  const files = buildScenario(parsed.federation!, compiled.compiled!);
  const meshFiles = new Map<string, { file: string; text: string }[]>();
  for (const [path, text] of files) {
    if (path === "scenario.yaml") continue;
    const [mesh] = path.split("/");
    meshFiles.set(mesh!, [...(meshFiles.get(mesh!) ?? []), { file: path, text }]);
  }
  const r = parseScenario({ scenario: { file: "scenario.yaml", text: files.get("scenario.yaml")! }, meshFiles });
  expect(r.diagnostics).toEqual([]);
  return r.scenario!;
}

describe("verify on meshfed's own scenario of the bundled example", () => {
  it("meets every probe's expect and the expected exposure", () => {
    const scenario = exampleScenario();
    const { verdict } = verifyScenario(scenario);
    expect(scenario.probes.length).toBeGreaterThan(10);
    expect(compareExpectations(scenario, verdict)).toEqual([]);
    expect(verdict.probes.filter((p) => p.verdict === "allow").map((p) => p.name)).toEqual(
      scenario.probes.filter((p) => p.expect === "allow").map((p) => p.name),
    );
  });

  it("prints the verdict JSON keys in the documented order", () => {
    const json = verdictJson(verifyScenario(exampleScenario()).verdict);
    const first = JSON.parse(json).probes.find((p: any) => p.verdict === "allow");
    expect(Object.keys(first)).toEqual(["name", "verdict", "deniedAt", "reason", "hops"]);
    expect(first.hops.map((h: any) => Object.keys(h))).toEqual([
      ["at", "mesh", "cluster", "tls", "sni", "sans", "endpoint"],
      ["at", "mesh", "matched"],
      ["at", "mesh", "workload", "peer", "authz"],
    ]);
    expect(json).toContain(" -> "); // no HTML escaping, like the oracle
  });
});

describe("goJson", () => {
  it("writes JSON as Go's encoder does: two-space indent, U+2028 and U+2029 escaped, a final newline", () => {
    expect(goJson({ a: ["x"], b: "<&>" })).toBe('{\n  "a": [\n    "x"\n  ],\n  "b": "<&>"\n}\n');
    expect(goJson({ s: "a\u2028b\u2029c" })).toBe('{\n  "s": "a\\u2028b\\u2029c"\n}\n');
  });
});
