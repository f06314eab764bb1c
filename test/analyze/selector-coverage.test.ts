import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { exampleFile, exampleText, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

let clean = "";
beforeAll(async () => {
  clean = mkdtempSync(join(tmpdir(), "meshfed-coverage-"));
  const federation = parseFederation(exampleText).federation!;
  await writeFileTree(clean, buildScenario(federation, compileFederation(federation).compiled!));
});

/** The example's scenario with production's workloads edited. */
function withWorkloads(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-coverage-mut-"));
  cpSync(clean, dir, { recursive: true });
  const file = join(dir, "production/workloads.yaml");
  writeFileSync(file, edit(readFileSync(file, "utf8")));
  return dir;
}

const podLabels = "  name: postgres\n  namespace: db\n  labels:\n    app: postgres\n";
const serviceSelector = "  selector:\n    app: postgres\n";

async function findings(dir: string): Promise<{ code: string; message: string }[]> {
  const r = await runCli(["verify", dir, "--model", exampleFile, "-o", "json"], repoRoot);
  return JSON.parse(r.stdout).findings;
}

describe("verify --model: the export's workloadSelector covers exactly the Service's pods", () => {
  it("finds nothing on meshfed's own scenario", async () => {
    expect((await findings(clean)).filter((f) => f.code.startsWith("MF323"))).toEqual([]);
  });

  it("MF3230 when the pods behind the Service do not carry the selector's labels (the guard fails open)", async () => {
    const dir = withWorkloads((t) => {
      expect(t).toContain(podLabels);
      return t
        .replace(podLabels, "  name: postgres\n  namespace: db\n  labels:\n    app.kubernetes.io/name: postgres\n")
        .replace(serviceSelector, "  selector:\n    app.kubernetes.io/name: postgres\n");
    });
    const found = await findings(dir);
    const coverage = found.filter((f) => f.code === "MF3230");
    expect(coverage).toHaveLength(1);
    expect(coverage[0]!.message).toContain("production/db/postgres: workloadSelector app=postgres selects no pod behind the Service");
  });

  it("MF3231 when the selector also picks pods outside the Service", async () => {
    const dir = withWorkloads((t) =>
      t
        .replace(podLabels, "  name: postgres\n  namespace: db\n  labels:\n    app: postgres\n    role: primary\n")
        .replace(serviceSelector, "  selector:\n    app: postgres\n    role: primary\n")
        .concat(
          "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: postgres-backup\n  namespace: db\n  labels:\n    app: postgres\nspec:\n  serviceAccountName: postgres\n  containers:\n    - name: app\n      image: app\nstatus:\n  podIP: 10.102.9.9\n  phase: Running\n",
        ),
    );
    const coverage = (await findings(dir)).filter((f) => f.code.startsWith("MF323"));
    expect(coverage.map((f) => f.code)).toEqual(["MF3231"]);
    expect(coverage[0]!.message).toContain("postgres-backup");
  });
});
