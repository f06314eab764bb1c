import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { minimal } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-validate-"));
  writeFileSync(join(dir, "f.yaml"), text);
  return dir;
}

/** An export with no consumers: a warning (MF1026), not an error. */
const withWarning = minimal.replace(
  "  exports:\n",
  "  exports:\n    - service: production/db/redis\n      ports:\n        - number: 6379\n      consumers: []\n",
);

describe("meshfed validate --failure-threshold", () => {
  it.each([
    [[], 0, "valid (0 errors, 1 warning)"],
    [["--failure-threshold", "error"], 0, "valid (0 errors, 1 warning)"],
    [["--failure-threshold", "warning"], 3, "invalid (0 errors, 1 warning)"],
  ])("a warning with %j exits %i", async (flags, code, summary) => {
    const r = await runCli(["validate", "f.yaml", ...flags], write(withWarning));
    expect(r.stderr).toContain("warning MF1026");
    expect(r.stderr).toContain(summary);
    expect(r.code).toBe(code);
  });

  it("an info finding never fails a run, whatever the threshold", async () => {
    const text = minimal
      .replace("trustDomain: operations.nrc.internal", "trustDomain: operations.nrc.internal\n      clusterName: Kubernetes")
      .replace("trustDomain: production.nrc.internal", "trustDomain: production.nrc.internal\n      clusterName: Kubernetes");
    const r = await runCli(["validate", "f.yaml", "--failure-threshold", "warning", "-o", "json"], write(text));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ valid: true, failureThreshold: "warning" });
    expect(out.diagnostics.map((d: { code: string; severity: string }) => [d.code, d.severity])).toEqual([["MF1061", "info"]]);
  });

  it("an unknown threshold is a usage error", async () => {
    const r = await runCli(["validate", "f.yaml", "--failure-threshold", "info"], write(minimal));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--failure-threshold");
  });

  it("reports a schema error and a semantic error of another part in one run", async () => {
    const text = minimal.replace("number: 5432", "number: 70000").replace("principal: operations/vault/vault", "principal: staging/vault/vault");
    const r = await runCli(["validate", "f.yaml", "-o", "json"], write(text));
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(["MF1009", "MF1013"]);
  });
});
