import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { repoRoot } from "../helpers/fixtures.js";

// bin/load-cli.js loads dist/meshfed.cjs (written by `npm run build`) with V8's code cache.
// These tests run the real files in child processes: V8 accepts a code cache only under the
// flags a plain `meshfed` run has, which this test runner's process does not.

/** What `main(argv)` of the sources writes, and its exit code. */
async function fromSources(argv: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, cwd: repoRoot, env: {} } as never);
  return { stdout, stderr, code };
}

/** Runs a module script against a copy's (or the repository's) bin/load-cli.js; returns its stdout. */
function probeLoader(root: string, body: string): string {
  const loader = JSON.stringify(join(root, "bin", "load-cli.js"));
  return execFileSync(process.execPath, ["--input-type=module", "-e", `import * as l from ${loader}; l.setCliFlags(); ${body}`], { cwd: repoRoot, encoding: "utf8", env: { PATH: process.env.PATH } });
}

/** bin/, dist/ and package.json copied to a temporary directory, node_modules linked. */
function copyOfBuild(preserveTimestamps = true): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-bundle-"));
  for (const entry of ["bin", "dist", "package.json"]) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true, preserveTimestamps });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** Runs bin/meshfed.js of a copy (or of the repository). */
const cli = (root: string, argv: string[]) => {
  const r = spawnSync(process.execPath, [join(root, "bin", "meshfed.js"), ...argv], { cwd: repoRoot, encoding: "utf8", env: { PATH: process.env.PATH } });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
};

describe("the CLI bundle and its code cache (npm run build)", () => {
  it("exist, are current, and V8 accepts the cache", () => {
    expect(statSync(join(repoRoot, "dist", "meshfed.cjs")).size).toBeGreaterThan(100_000);
    expect(probeLoader(repoRoot, "process.stdout.write(JSON.stringify([l.bundleIsCurrent(), l.loadBundle().cached]))")).toBe("[true,true]");
  });

  it("gives the same output as the sources", async () => {
    for (const argv of [
      ["plan", "examples/nrc/federation.yaml"],
      ["verify", "conformance/scenarios/01-canonical-vault-postgres", "-o", "json"],
      ["validate", "conformance/scenarios/01-canonical-vault-postgres/scenario.yaml"],
    ]) {
      expect(cli(repoRoot, argv)).toEqual(await fromSources(argv));
    }
  });

  it("is used from a copy whose files got new times in copy order (cp -r)", () => {
    const dir = copyOfBuild(false);
    expect(probeLoader(dir, "process.stdout.write(JSON.stringify([l.bundleIsCurrent(), l.loadBundle().cached]))")).toBe("[true,true]");
  });

  it("ignores a cache made for another build, and still runs", async () => {
    const dir = copyOfBuild();
    const cache = join(dir, "dist", "meshfed.cjs.cache");
    const data = readFileSync(cache);
    data.write("0".repeat(64), 0, "latin1");
    writeFileSync(cache, data);
    expect(probeLoader(dir, "process.stdout.write(String(l.loadBundle().cached))")).toBe("false");
    const argv = ["plan", "examples/nrc/federation.yaml"];
    expect(cli(dir, argv)).toEqual(await fromSources(argv));
  });

  it("loads dist/'s ES modules when the bundle is older than them (tsc run alone)", () => {
    const dir = copyOfBuild();
    const past = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, "dist", "meshfed.cjs"), past, past);
    // A bundle that would fail if it were loaded: the stale-bundle check must keep it out.
    writeFileSync(join(dir, "dist", "meshfed.cjs"), "throw new Error('stale bundle loaded');\n");
    utimesSync(join(dir, "dist", "meshfed.cjs"), past, past);
    expect(probeLoader(dir, "process.stdout.write(String(l.bundleIsCurrent()))")).toBe("false");
    expect(cli(dir, ["--version"])).toEqual({ stdout: "0.1.0\n", stderr: "", code: 0 });
  });
});
