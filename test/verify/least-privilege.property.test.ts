import fc from "fast-check";
import { expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without type declarations
import { generateFederation } from "../../bench/generate-federation.js";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { modelScenario } from "../../src/scenario/build-scenario.js";
import { runVerify } from "../../src/verify/run-verify.js";

/**
 * The central promise: whatever compile emits for a federation validate accepts, verify finds
 * least-privileged. Federations come from the proof generator over random sizes and seeds;
 * each is compiled, turned into its scenario (workloads, the render, probes from every
 * workload to every import), verified and audited against its own model.
 */
it("compile → scenario → verify → audit against the model finds nothing, for generated federations", () => {
  const params = fc.record({
    meshes: fc.integer({ min: 2, max: 5 }),
    exports: fc.integer({ min: 1, max: 8 }),
    consumers: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
  fc.assert(
    fc.property(params, (p) => {
      const text: string = generateFederation(p);
      const parsed = parseFederation(text, "generated.yaml");
      expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const compiled = compileFederation(parsed.federation!);
      const scenario = modelScenario(parsed.federation!, compiled.compiled!);
      expect(scenario.diagnostics).toEqual([]);
      const report = runVerify(scenario.scenario!, { model: parsed.federation! });
      expect(report.scenario.probes.length).toBeGreaterThan(0);
      expect(report.mismatches).toEqual([]);
      expect(report.findings.map((f) => `${f.code} ${f.message}`)).toEqual([]);
      // The audit must have something to find: every intended call is allowed, so exposure is not empty.
      expect(report.verdict.exposure.length).toBeGreaterThan(0);
    }),
    { numRuns: Number(process.env.MESHFED_PROPERTY_RUNS ?? 25), seed: 42 },
  );
});
