import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/cli/read-files.js";
import { notModelledFindings } from "../../src/verify/not-modelled.js";
import { World } from "../../src/verify/verify-scenario.js";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * conformance/declared: scenarios whose expectations are Istio's answer (the oracle checks them in
 * `npm run test:conformance`) on configuration verify does not model. verify must name the
 * resource (MF3299) and fail, never print a confident verdict.
 */
const root = join(repoRoot, "conformance/declared");
const dirs = readdirSync(root)
  .filter((d) => existsSync(join(root, d, "scenario.yaml")))
  .sort();

describe("verify declares what it does not model", () => {
  it("has declared scenarios", () => {
    expect(dirs.length).toBeGreaterThan(0);
  });

  it.each(dirs)("%s", async (dir) => {
    const loaded = await loadScenario(join(root, dir), repoRoot);
    expect(loaded.diagnostics).toEqual([]);
    const declared = notModelledFindings(new World(loaded.scenario!));
    expect(declared.map((d) => d.code)).toContain("MF3299");
    const cli = await runCli(["verify", join(root, dir)], repoRoot);
    expect(cli.code).toBe(4);
    expect(cli.stdout).toContain("MF3299");
  });
});
