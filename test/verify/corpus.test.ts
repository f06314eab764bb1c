import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareExpectations } from "../../src/verify/format-verdict.js";
import { loadScenario } from "../../src/cli/read-files.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { repoRoot } from "../helpers/fixtures.js";

const corpus = join(repoRoot, "conformance/scenarios");
const dirs = existsSync(corpus)
  ? readdirSync(corpus)
      .filter((d) => existsSync(join(corpus, d, "scenario.yaml")))
      .sort()
  : [];

describe.runIf(dirs.length > 0)("verify agrees with the conformance corpus expectations", () => {
  it.each(dirs)("%s", async (dir) => {
    const loaded = await loadScenario(join(corpus, dir), repoRoot);
    expect(loaded.diagnostics).toEqual([]);
    const { verdict } = verifyScenario(loaded.scenario!);
    expect(compareExpectations(loaded.scenario!, verdict)).toEqual([]);
  });
});
