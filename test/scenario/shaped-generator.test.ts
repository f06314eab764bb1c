import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without type declarations
import { generateShapedFederation } from "../../bench/generate-federation.js";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";

const generate = generateShapedFederation as (o: { meshes: number; exports: number; consumers: number; seed: number; name: string }) => string;

describe("generate-federation.js --shapes (the conformance proof's input)", () => {
  // The same seeds and sizes as scripts/conformance.sh.
  const cases = Array.from({ length: 40 }, (_, i) => i + 1).map((seed) => ({
    seed,
    meshes: 2 + (seed % 3),
    exports: 4 + (seed % 9),
    consumers: 1 + (seed % 4),
  }));

  it.each(cases)("seed $seed validates with no diagnostics and has a scenario", ({ seed, meshes, exports, consumers }) => {
    const text = generate({ meshes, exports, consumers, seed, name: `s${seed}` });
    expect(generate({ meshes, exports, consumers, seed, name: `s${seed}` })).toBe(text);
    const parsed = parseFederation(text, "f.yaml");
    expect(parsed.diagnostics).toEqual([]);
    const compiled = compileFederation(parsed.federation!);
    expect(compiled.diagnostics).toEqual([]);
    expect(buildScenario(parsed.federation!, compiled.compiled!).has("scenario.yaml")).toBe(true);
  });

  it("produces the shapes on purpose: colliding and 63-character names, shared accounts, exporters that consume", () => {
    const texts = cases.map((c) => generate({ ...c, name: `s${c.seed}` })).join("\n");
    expect(texts).toMatch(/service: east-eu\/pay\//);
    expect(texts).toMatch(/service: east\/eu-pay\//);
    expect(texts).toMatch(/svc-s{55}-x/);
    expect(texts).toMatch(/serviceAccount: shared-/);
    for (const protocol of ["TCP", "HTTP", "HTTP2", "GRPC"]) expect(texts).toContain(`protocol: ${protocol}`);
    // Every mesh of a federation both exports and consumes (meshes federate both ways).
    const one = parseFederation(generate({ meshes: 3, exports: 9, consumers: 3, seed: 5, name: "x" })).federation!;
    for (const m of one.meshes) {
      expect(one.exports.some((e) => e.mesh === m.name)).toBe(true);
      expect(one.exports.some((e) => e.consumers.some((c) => c.principal.mesh === m.name))).toBe(true);
    }
  });
});
