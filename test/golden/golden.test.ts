import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleFile, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * Golden files: what meshfed prints and writes for the bundled example, kept under
 * test/golden/ so that every change to output shows up in review as a diff. Regenerate them
 * with `npm run golden:update` (UPDATE_GOLDEN=1) and read the diff before committing.
 */
const goldenDir = join(repoRoot, "test/golden");
const update = process.env.UPDATE_GOLDEN === "1";

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    })
    .sort();
}

/** Compares `actual` with the golden file (or writes it under UPDATE_GOLDEN=1). */
function golden(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, "utf8");
  } catch {
    throw new Error(`${relative(repoRoot, file)} is missing: run npm run golden:update and review it`);
  }
  expect(actual, `${relative(repoRoot, file)} differs: if the change is intended, run npm run golden:update and review the diff`).toBe(expected);
}

describe("golden output of the bundled example", () => {
  it("render --out writes the same tree", async () => {
    const out = mkdtempSync(join(tmpdir(), "meshfed-golden-"));
    const r = await runCli(["render", exampleFile, "--out", out], repoRoot);
    expect(r.code).toBe(0);
    const written = filesUnder(out).map((f) => relative(out, f));
    if (update) rmSync(join(goldenDir, "render-out"), { recursive: true, force: true });
    golden("render-out/FILES", `${written.join("\n")}\n`);
    for (const f of written) golden(join("render-out", f), readFileSync(join(out, f), "utf8"));
  });

  it("plan prints the same text", async () => {
    const r = await runCli(["plan", exampleFile], repoRoot);
    expect(r.code).toBe(0);
    golden("plan.txt", r.stdout);
  });

  it("verify of a corpus scenario prints the same text", async () => {
    const r = await runCli(["verify", "conformance/scenarios/01-canonical-vault-postgres"], repoRoot);
    golden("verify-01-canonical.txt", `exit ${r.code}\n${r.stdout}`);
  });

  it("verify --model of the example's own render prints the same text", async () => {
    const out = mkdtempSync(join(tmpdir(), "meshfed-golden-scenario-"));
    expect((await runCli(["scenario", exampleFile, "--out", out], repoRoot)).code).toBe(0);
    const meshes = readdirSync(out).filter((d) => statSync(join(out, d)).isDirectory()).sort();
    // Run from the scenario directory with a copy of the model, so no path in the output
    // depends on where the repository or the scratch directory is.
    copyFileSync(exampleFile, join(out, "federation.yaml"));
    const r = await runCli(["verify", "--model", "federation.yaml", ...meshes.flatMap((m) => ["--mesh", `${m}=${m}`])], out);
    golden("verify-model-example.txt", `exit ${r.code}\n${r.stdout}`);
  });
});

describe("golden output of the mixed-release example (meshes[].istioVersion)", () => {
  const file = "examples/istio-releases/federation.yaml";

  it("validate prints the same warning (MF1073 for production on 1.9.1)", async () => {
    const r = await runCli(["validate", file], repoRoot);
    golden("istio-releases/validate.txt", `exit ${r.code}\n${r.stdout}${r.stderr}`);
  });

  it("plan prints the same text", async () => {
    const r = await runCli(["plan", file], repoRoot);
    expect(r.code).toBe(0);
    golden("istio-releases/plan.txt", r.stdout);
  });

  it.each(["production", "staging", "operations"])("render --mesh %s prints the same stream", async (mesh) => {
    const r = await runCli(["render", file, "--mesh", mesh], repoRoot);
    expect(r.code).toBe(0);
    golden(`istio-releases/render-${mesh}.yaml`, r.stdout);
  });
});
