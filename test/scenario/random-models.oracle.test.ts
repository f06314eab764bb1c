import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { hasErrors } from "../../src/diagnostics/diagnostic.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { federationTextArb } from "../helpers/federation-arb.js";

/**
 * The promise of `validate`, checked against Istio itself: a random model is either refused,
 * or its compiled configuration, run through the conformance oracle (Istio's pilot code),
 * allows every intended call, denies every other, and exposes exactly the exports. Run by
 * `npm run test:conformance` with MESHFED_ORACLE naming the oracle binary; 25 runs in CI,
 * MESHFED_ORACLE_PROPERTY_RUNS=200 for a longer search.
 */
const oracle = process.env.MESHFED_ORACLE;
if (!oracle || !existsSync(oracle)) {
  throw new Error("MESHFED_ORACLE must name the oracle binary (bash conformance/run-oracle.sh builds conformance/bin/oracle)");
}
const runs = Number(process.env.MESHFED_ORACLE_PROPERTY_RUNS ?? 25);

function oracleCheck(dir: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(oracle!, ["--check", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 }) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("every model validate accepts is proven by the Istio oracle", () => {
  it(
    `validate → scenario → oracle: refused or proven (${runs} runs)`,
    async () => {
      let proven = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(federationTextArb, async (text) => {
          const parsed = parseFederation(text, "f.yaml");
          if (!parsed.federation) {
            expect(parsed.diagnostics.some((d) => d.severity === "error")).toBe(true);
            refused++;
            return;
          }
          const compiled = compileFederation(parsed.federation);
          expect(hasErrors(compiled.diagnostics)).toBe(false);
          const dir = mkdtempSync(join(tmpdir(), "meshfed-proof-"));
          await writeFileTree(dir, buildScenario(parsed.federation, compiled.compiled!));
          const result = oracleCheck(dir);
          expect(result.ok, `${dir}\n${text}\n${result.output}`).toBe(true);
          proven++;
        }),
        { numRuns: runs, seed: process.env.MESHFED_PROPERTY_SEED ? Number(process.env.MESHFED_PROPERTY_SEED) : undefined, endOnFailure: true },
      );
      process.stderr.write(`random models: ${proven} proven by the oracle, ${refused} refused by validate\n`);
      expect(proven).toBeGreaterThan(0);
    },
    60 * 60 * 1000,
  );
});
