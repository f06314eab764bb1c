import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { compareExpectations, goJson, orderedVerdict, VerdictJsonWriter, verdictJson } from "../../src/verify/format-verdict.js";
import type { Verdict } from "../../src/verify/types.js";
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

describe("VerdictJsonWriter", () => {
  const whole = (v: Verdict, findings: unknown[]) => goJson({ ...orderedVerdict(v), findings });
  const streamed = (v: Verdict, findings: unknown[]) => {
    const chunks: string[] = [];
    const w = new VerdictJsonWriter((c) => chunks.push(c));
    for (const p of v.probes) w.probe(p);
    w.end(v.exposure, findings);
    return chunks.join("");
  };

  it("writes the same bytes as goJson of the whole verdict", () => {
    const v = verifyScenario(exampleScenario()).verdict;
    expect(v.probes.length).toBeGreaterThan(10);
    const findings = [{ code: "MF3203", severity: "error", message: "m\u2028x", position: { file: "a.yaml", line: 3, column: 1 } }];
    expect(streamed(v, findings)).toBe(whole(v, findings));
    expect(streamed(v, [])).toBe(whole(v, []));
  });

  it("writes empty probe and exposure lists as goJson does", () => {
    expect(streamed({ probes: [], exposure: [] }, [])).toBe(whole({ probes: [], exposure: [] }, []));
    expect(streamed({ probes: [], exposure: [] }, [])).toBe('{\n  "probes": [],\n  "exposure": [],\n  "findings": []\n}\n');
    const one: Verdict = { probes: [{ name: "a\u2029b", verdict: "deny", deniedAt: "client", reason: "MF3001", hops: [] }], exposure: [] };
    expect(streamed(one, [])).toBe(whole(one, []));
    for (const name of ['q"uote', "back\\slash", "tab\t", "lone \ud800 surrogate", "pair 😀", "ctl \u0001", "line\u2028separator", "para\u2029graph"]) {
      const v: Verdict = {
        probes: [
          {
            name,
            verdict: "allow",
            deniedAt: null,
            reason: null,
            hops: [
              { at: "client", mesh: name, cluster: null, tls: "DISABLE", sni: null, sans: [name, "x"], endpoint: null },
              { at: "gateway", mesh: name, matched: name },
              { at: "server", mesh: name, workload: name, peer: name, authz: null },
            ],
          },
          // The same gateway hop again (written once, then reused), and one that matched nothing.
          { name: `${name} 2`, verdict: "deny", deniedAt: "gateway", reason: "MF3004", hops: [{ at: "gateway", mesh: name, matched: name }] },
          { name: `${name} 3`, verdict: "deny", deniedAt: "gateway", reason: "MF3004", hops: [{ at: "gateway", mesh: name, matched: null }] },
        ],
        exposure: [],
      };
      expect(streamed(v, [])).toBe(whole(v, []));
    }
  });
});
