import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verdictJson } from "../../src/verify/format-verdict.js";
import { loadScenario } from "../../src/cli/read-files.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { repoRoot } from "../helpers/fixtures.js";

/**
 * Differential check against the Go oracle (real Istio), run by `npm run test:conformance`
 * (vitest.oracle.config.ts) with MESHFED_ORACLE pointing at the built oracle binary. Verify's
 * JSON must equal the oracle's byte for byte.
 */
const oracle = process.env.MESHFED_ORACLE;
if (!oracle || !existsSync(oracle)) {
  throw new Error("MESHFED_ORACLE must name the oracle binary (bash conformance/run-oracle.sh builds conformance/bin/oracle)");
}
const corpus = join(repoRoot, "conformance/scenarios");
const dirs = existsSync(corpus)
  ? readdirSync(corpus)
      .filter((d) => existsSync(join(corpus, d, "scenario.yaml")))
      .sort()
      .map((d) => join(corpus, d))
  : [];

function oracleJson(dir: string): string {
  try {
    return execFileSync(oracle!, [dir], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 28 });
  } catch (err) {
    // Exit 4 (expectation mismatch) still prints the verdict.
    const out = (err as { stdout?: string }).stdout;
    if (out) return out;
    throw err;
  }
}

describe("verify equals the Istio oracle", () => {
  const example = (): string => {
    const out = mkdtempSync(join(tmpdir(), "meshfed-example-"));
    execFileSync(process.execPath, [join(repoRoot, "bin/meshfed.js"), "scenario", join(repoRoot, "examples/nrc/federation.yaml"), "--out", out], {
      stdio: "ignore",
    });
    return out;
  };
  it.each([...dirs, "example"])(
    "%s",
    async (d) => {
      const dir = d === "example" ? example() : d;
      const loaded = await loadScenario(dir, repoRoot);
      expect(verdictJson(verifyScenario(loaded.scenario!).verdict)).toBe(oracleJson(dir));
    },
    300_000,
  );
});
