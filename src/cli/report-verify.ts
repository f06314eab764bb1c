import { resolve } from "node:path";
// The library's public verify functions (src/index.ts exports them), imported from their
// modules because the index also re-exports the CLI, which imports this file.
import { analyzeWorld } from "../analyze/analyzers.js";
import { auditAgainstModel, deriveProbes } from "../analyze/audit.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import { compareExpectations } from "../verify/format-verdict.js";
import { loadScenario } from "../verify/load-scenario.js";
import { verifyScenario, World } from "../verify/verify-scenario.js";
// Not in the library's index yet: the plain-files loader of `meshfed verify --mesh`.
import { loadMeshFiles } from "../verify/load-mesh-files.js";
import type { ReportVerification } from "../report/audit-headline.js";
import { UsageError } from "./io.js";

/** Where the report's resources come from. */
export type ResourceSource = { readonly scenario: string } | { readonly meshes: ReadonlyMap<string, string> };

export interface ReportVerifyResult {
  readonly verification?: ReportVerification;
  /** Problems reading the resources; the report is not written when any is an error. */
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * The composition of `meshfed verify --model` (analyzers, probes, exposure, the least-privilege
 * audit) from the library's public functions, for the report. Kept apart and small so that it
 * can give way to a shared verify entry point.
 */
export async function verifyForReport(cwd: string, federation: Federation, from: ResourceSource): Promise<ReportVerifyResult> {
  const loaded = await ("scenario" in from ? loadScenario(resolve(cwd, from.scenario), cwd) : loadMeshFiles(federation, from.meshes, cwd)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === undefined) throw err;
    const what = "scenario" in from ? `scenario ${from.scenario}` : "--mesh files";
    throw new UsageError(`cannot read ${what}: ${err.code === "ENOENT" ? `no such file or directory${err.path ? ` ${err.path}` : ""}` : err.code}`);
  });
  if (!loaded.scenario || loaded.diagnostics.some((d) => d.severity === "error")) return { diagnostics: loaded.diagnostics, sources: loaded.sources };
  // Without probes, every workload calls every import visible to it (as verify does).
  const world = new World(loaded.scenario);
  const derivedProbes = loaded.scenario.probes.length === 0;
  const scenario = derivedProbes ? { ...loaded.scenario, probes: deriveProbes(world) } : loaded.scenario;
  const { verdict, results } = verifyScenario(scenario);
  const findings = sortDiagnostics([...analyzeWorld(world), ...auditAgainstModel(federation, world, scenario.probes, verdict)]);
  return {
    verification: {
      source: "scenario" in from ? `scenario ${from.scenario}` : `--mesh ${[...from.meshes].map(([k, v]) => `${k}=${v}`).join(" ")}`,
      meshes: scenario.meshes.map((m) => m.name),
      probes: scenario.probes,
      derivedProbes,
      verdict,
      whys: results.map((r) => {
        const last = r.decidedBy[r.decidedBy.length - 1];
        return r.why && last && r.verdict.deniedAt !== "trust" ? `${r.why} (${last.kind} ${last.namespace}/${last.name}, ${last.file}:${last.line})` : r.why;
      }),
      findings,
      mismatches: compareExpectations(scenario, verdict),
    },
    diagnostics: loaded.diagnostics,
    sources: loaded.sources,
  };
}
