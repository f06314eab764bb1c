import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { exampleFile, exampleText, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

let clean = "";
beforeAll(async () => {
  clean = mkdtempSync(join(tmpdir(), "meshfed-audit-"));
  const federation = parseFederation(exampleText).federation!;
  await writeFileTree(clean, buildScenario(federation, compileFederation(federation).compiled!));
});

/** A copy of the example's scenario with one file edited. */
function mutated(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-audit-mut-"));
  cpSync(clean, dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), "utf8")));
  return dir;
}

const guard = "production/authorizationpolicy.db.meshfed-postgres-guard.yaml";

describe("meshfed verify --model (least-privilege audit)", () => {
  it("passes meshfed's own output: every intended call reachable, nothing else", async () => {
    const r = await runCli(["verify", clean, "--model", exampleFile], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Result: PASS — findings: 0 errors, 0 warnings");
    expect(r.stdout).toMatch(/Reachability matrix[\s\S]*operations\s+-\s+4\/8\s+2\/4/);
  });

  it("reports a widened policy as unintended reachability and exposure, exit 4", async () => {
    const dir = mutated(guard, (t) =>
      t.replace(
        "              - operations.nrc.internal/ns/vault/sa/vault\n",
        "              - operations.nrc.internal/ns/vault/sa/vault\n              - operations.nrc.internal/ns/vault/sa/neighbour\n",
      ),
    );
    const r = await runCli(["verify", dir, "--model", exampleFile, "-o", "json"], repoRoot);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["probes", "exposure", "findings"]);
    expect(out.findings.map((f: { code: string }) => f.code)).toEqual(["MF3220", "MF3222"]);
    expect(out.findings[0].message).toContain("operations.nrc.internal/ns/vault/sa/neighbour reaches production/postgres.db.svc.cluster.local:5432");
  });

  it("reports an intended call that the configuration breaks", async () => {
    const dir = mutated("operations/destinationrule.vault.meshfed-production-db-postgres.yaml", (t) =>
      t.replace("outbound_.5432_._.postgres.db.svc.cluster.local", "outbound_.5432_._.postgres.db.production.mesh"),
    );
    const r = await runCli(["verify", dir, "--model", exampleFile, "-o", "json"], repoRoot);
    expect(r.code).toBe(4);
    const codes = JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code);
    expect(codes).toContain("MF3221");
    expect(codes).toContain("MF3204");
  });

  it("--suppress hides a finding and --failure-threshold decides the exit code", async () => {
    const dir = mutated(guard.replace("authorizationpolicy.db.meshfed-postgres-guard", "peerauthentication.db.meshfed-postgres"), (t) =>
      t.replace("mode: STRICT", "mode: PERMISSIVE"),
    );
    const warn = await runCli(["verify", dir, "-o", "json"], repoRoot);
    expect(JSON.parse(warn.stdout).findings.map((f: { code: string }) => f.code)).toEqual(["MF3211"]);
    expect(warn.code).toBe(0); // a warning, below the default threshold "error"
    expect((await runCli(["verify", dir, "--failure-threshold", "warning"], repoRoot)).code).toBe(4);
    const hidden = await runCli(["verify", dir, "--failure-threshold", "warning", "--suppress", "MF3211=production/PeerAuthentication/db/*"], repoRoot);
    expect(hidden.code).toBe(0);
    expect(hidden.stdout).toContain("1 suppressed");
  });

  it("audits plain per-mesh files and kubectl List dumps with settings from the model", async () => {
    const dumps = mkdtempSync(join(tmpdir(), "meshfed-dumps-"));
    for (const mesh of ["operations", "production", "staging"]) {
      const items: unknown[] = [];
      for (const f of ["workloads.yaml", ...(await import("node:fs")).readdirSync(join(clean, mesh)).filter((x) => x !== "workloads.yaml")]) {
        for (const d of parseAllDocuments(readFileSync(join(clean, mesh, f), "utf8"))) items.push(d.toJS());
      }
      writeFileSync(join(dumps, `${mesh}.yaml`), stringify({ apiVersion: "v1", kind: "List", items }));
    }
    const args = [
      "verify",
      "--model",
      exampleFile,
      ...["operations", "production", "staging"].flatMap((m) => ["--mesh", `${m}=${join(dumps, `${m}.yaml`)}`]),
      "-o",
      "json",
    ];
    const r = await runCli(args, repoRoot);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.findings).toEqual([]);
    // Derived probes: every workload against every import of its mesh.
    expect(
      out.probes
        .filter((p: { verdict: string }) => p.verdict === "allow")
        .map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual([
      "operations/observability/grafana -> metrics-api.monitoring.production.mesh:8080",
      "operations/observability/grafana -> metrics-api.monitoring.staging.mesh:8080",
      "operations/observability/grafana -> metrics-api.monitoring.staging.mesh:9090",
      "operations/vault/vault -> metrics-api.monitoring.staging.mesh:8080",
      "operations/vault/vault -> metrics-api.monitoring.staging.mesh:9090",
      "operations/vault/vault -> postgres.db.production.mesh:5432",
    ]);
  });

  it.each([
    [["verify"], /missing scenario directory/],
    [["verify", "--mesh", "production=x"], /--mesh needs --model/],
    [["verify", "x", "--failure-threshold", "fatal"], /use error, warning or info/],
    [["verify", "x", "--suppress", "IST0101"], /expected CODE=/],
    [["verify", "--model", "examples/nrc/federation.yaml", "--mesh", "prod=x"], /no mesh "prod"/],
  ])("usage error %j", async (argv, message) => {
    const r = await runCli(argv as string[], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
