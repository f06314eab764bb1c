import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { hasErrors } from "../../src/diagnostics/diagnostic.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { modelScenario } from "../../src/scenario/build-scenario.js";
import { compareExpectations } from "../../src/verify/format-verdict.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { federationTextArb } from "../helpers/federation-arb.js";

// MESHFED_PROPERTY_RUNS=500 npx vitest run test/scenario for a longer search.
const runs = Number(process.env.MESHFED_PROPERTY_RUNS ?? 40);

describe("every model validate accepts compiles to a scenario meshfed's verifier proves", () => {
  it(`validate → compile → scenario → verify: refused, or every probe and the exposure as intended (${runs} runs)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(federationTextArb, (text) => {
        const parsed = parseFederation(text, "f.yaml");
        if (!parsed.federation) {
          // Refused: with a code, a fix, and a position for each error.
          const errors = parsed.diagnostics.filter((d) => d.severity === "error");
          expect(errors.length).toBeGreaterThan(0);
          for (const d of errors) {
            expect(d.fix.length).toBeGreaterThan(0);
            expect(d.position, `${d.code} ${d.message}`).toBeDefined();
          }
          return;
        }
        const compiled = compileFederation(parsed.federation);
        expect(hasErrors(compiled.diagnostics), JSON.stringify(compiled.diagnostics)).toBe(false);
        const scenario = modelScenario(parsed.federation, compiled.compiled!);
        expect(scenario.diagnostics).toEqual([]);
        const { verdict } = verifyScenario(scenario.scenario!);
        expect(compareExpectations(scenario.scenario!, verdict)).toEqual([]);
        accepted++;
      }),
      { numRuns: runs, seed: process.env.MESHFED_PROPERTY_SEED ? Number(process.env.MESHFED_PROPERTY_SEED) : undefined },
    );
    // The generator is meant to produce mostly acceptable models; a property that only saw refusals proves little.
    expect(accepted).toBeGreaterThan(runs / 4);
  });
});
