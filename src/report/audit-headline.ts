import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Mismatch } from "../verify/format-verdict.js";
import type { ProbeSpec, Verdict } from "../verify/types.js";

/** What verify found for the report, when resources were given. */
export interface ReportVerification {
  /** Where the resources came from, e.g. `scenario ./out` or `--mesh files`. */
  readonly source: string;
  /** Mesh names in the scenario's order. */
  readonly meshes: readonly string[];
  /** The probes run (the scenario's, or derived from the imports when it has none). */
  readonly probes: readonly ProbeSpec[];
  readonly derivedProbes: boolean;
  readonly verdict: Verdict;
  /** Per probe, why it was denied (null when allowed). */
  readonly whys: readonly (string | null)[];
  /** Findings of the analyzers and of the least-privilege audit against the federation file. */
  readonly findings: readonly Diagnostic[];
  /** Probe and exposure expectations of the scenario that the verdict does not meet. */
  readonly mismatches: readonly Mismatch[];
}

export type AuditStatus = "pass" | "fail" | "not-audited";

/** The audit's verdict in one line, for the top of the report and for the exit code. */
export interface AuditHeadline {
  readonly status: AuditStatus;
  readonly text: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Passes when no finding is an error and every expectation of the scenario holds; warnings
 * and notes are counted in the line but, as in `meshfed verify`, do not fail the audit.
 */
export function auditHeadline(federation: string, v: ReportVerification | undefined): AuditHeadline {
  if (!v) {
    return {
      status: "not-audited",
      text: `Not audited: this page shows what federation ${federation} intends; give --scenario DIR or --mesh NAME=PATH to check configuration against it.`,
    };
  }
  const errors = v.findings.filter((f) => f.severity === "error").length;
  const warnings = v.findings.filter((f) => f.severity === "warning").length;
  const allowed = v.verdict.probes.filter((p) => p.verdict === "allow").length;
  const counts = `${plural(v.probes.length, "probe")} (${allowed} allowed), ${plural(errors, "error")}, ${plural(warnings, "warning")}${v.mismatches.length > 0 ? `, ${plural(v.mismatches.length, "unmet expectation")}` : ""}`;
  if (errors === 0 && v.mismatches.length === 0) {
    return {
      status: "pass",
      text: `Audit passed: the configuration of ${v.meshes.join(", ")} (${v.source}) allows exactly what federation ${federation} intends; ${counts}.`,
    };
  }
  return {
    status: "fail",
    text: `Audit failed: the configuration of ${v.meshes.join(", ")} (${v.source}) differs from what federation ${federation} intends; ${counts}.`,
  };
}
