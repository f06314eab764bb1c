import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleFile, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

const corpus = join(repoRoot, "conformance/scenarios/01-canonical-vault-postgres");

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "meshfed-read-"));
}

describe("reading input files", () => {
  it("follows symbolic links to mesh directories and files, with the same verdict", async () => {
    const dir = scratch();
    const real = join(dir, "real");
    cpSync(corpus, real, { recursive: true });
    const linked = join(dir, "linked");
    mkdirSync(linked);
    cpSync(join(real, "scenario.yaml"), join(linked, "scenario.yaml"));
    symlinkSync(join(real, "operations"), join(linked, "operations"));
    mkdirSync(join(linked, "production"));
    for (const f of readdirSync(join(real, "production"))) symlinkSync(join(real, "production", f), join(linked, "production", f));
    const a = await runCli(["verify", real, "-o", "json"], dir);
    const b = await runCli(["verify", linked, "-o", "json"], dir);
    expect(b.code).toBe(a.code);
    // File names in findings differ (real/ against linked/); everything else is the same.
    expect(b.stdout.replaceAll("linked/", "real/")).toBe(a.stdout);
    expect(JSON.parse(b.stdout).probes.length).toBeGreaterThan(0);
  });

  it("reports a loop of symbolic links as MF3106 (exit 3)", async () => {
    const dir = scratch();
    const mesh = join(dir, "prod");
    mkdirSync(mesh);
    symlinkSync(dir, join(mesh, "back"));
    const r = await runCli(["verify", "--model", exampleFile, "--mesh", `production=${mesh}`], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/MF3106/);
  });

  it("refuses a FIFO at once with exit 2 (it would hang)", async () => {
    const dir = scratch();
    const fifo = join(dir, "f.yaml");
    execFileSync("mkfifo", [fifo]);
    const r = await runCli(["verify", "--model", exampleFile, "--mesh", `production=${fifo}`], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a regular file/);
    const v = await runCli(["validate", fifo], dir);
    expect(v.code).toBe(2);
  });

  it("reports a file that is not UTF-8 as MF3105 (exit 3)", async () => {
    const dir = scratch();
    const file = join(dir, "latin1.yaml");
    writeFileSync(file, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    const r = await runCli(["verify", "--model", exampleFile, "--mesh", `production=${file}`], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/MF3105/);
  });
});
