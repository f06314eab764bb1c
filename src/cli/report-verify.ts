import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import type { ReportVerification } from "../report/audit-headline.js";
import { probeWhy } from "../verify/format-verdict.js";
import { runVerify } from "../verify/run-verify.js";
import type { CliIo } from "./io.js";
import { readLiveScenario } from "./live-scenario.js";
import type { SetExit } from "./main.js";
import { loadScenario } from "./read-files.js";
import { loadMeshFiles } from "./read-mesh-files.js";

/** Where the report's resources come from. */
export type ResourceSource =
  | { readonly scenario: string }
  | { readonly meshes: ReadonlyMap<string, readonly string[]> }
  | { readonly live: ReadonlyMap<string, { kubeconfig: string; context?: string }> };

export interface ReportVerifyResult {
  readonly verification?: ReportVerification;
  /** Problems reading the resources; the report is not written when any is an error. */
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/** `meshfed verify --model` (analyzers, probes, exposure, the least-privilege audit) for the report. */
export async function verifyForReport(io: CliIo, federation: Federation, from: ResourceSource, setExit: SetExit): Promise<ReportVerifyResult | undefined> {
  const loaded =
    "scenario" in from
      ? loadScenario(from.scenario, io.cwd)
      : "meshes" in from
        ? loadMeshFiles(federation, from.meshes, io.cwd)
        : await readLiveScenario(io, federation, from.live, setExit);
  if (loaded === undefined) return undefined;
  const sources = loaded.sources;
  if (!loaded.scenario || loaded.diagnostics.some((d) => d.severity === "error")) return { diagnostics: loaded.diagnostics, sources };
  const report = runVerify(loaded.scenario, { model: federation });
  return {
    verification: {
      source:
        "scenario" in from
          ? `scenario ${from.scenario}`
          : "meshes" in from
            ? `--mesh ${[...from.meshes].flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`)).join(" ")}`
            : `--live ${[...from.live].map(([k, t]) => `${k}=${t.kubeconfig}${t.context ? `#${t.context}` : ""}`).join(" ")}`,
      meshes: report.scenario.meshes.map((m) => m.name),
      probes: report.scenario.probes,
      derivedProbes: loaded.scenario.probes.length === 0,
      verdict: report.verdict,
      whys: report.results.map(probeWhy),
      findings: report.findings,
      mismatches: report.mismatches,
    },
    diagnostics: loaded.diagnostics,
    sources,
  };
}
