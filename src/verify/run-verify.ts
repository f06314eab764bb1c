import { analyzeWorld } from "../analyze/analyzers.js";
import { auditAgainstModel, deriveProbes } from "../analyze/audit.js";
import { exceedsThreshold, isSuppressed, type Suppression } from "../analyze/filter-findings.js";
import type { Severity } from "../diagnostics/codes.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import { compareExpectations, type Mismatch } from "./format-verdict.js";
import { notModelledFindings } from "./not-modelled.js";
import type { Scenario, Verdict } from "./types.js";
import { exposure, runProbe, World, type ProbeResult } from "./verify-scenario.js";

export interface RunVerifyOptions {
  /** The federation to audit against: every reachable cross-mesh call must be intended by it, and every intended one reachable. */
  readonly model?: Federation;
  /** Findings to hide. */
  readonly suppress?: readonly Suppression[];
  /** The lowest finding severity that fails the run (default `error`). */
  readonly failureThreshold?: Severity;
}

/** Everything `meshfed verify` decides about a scenario. */
export interface VerifyReport {
  readonly world: World;
  /** The scenario as verified: with its own probes, or, when it has none, every workload calling every import of its mesh. */
  readonly scenario: Scenario;
  /** One per probe, in order: the verdict and what decided it. */
  readonly results: readonly ProbeResult[];
  /** The verdict JSON of the conformance oracle (conformance/README.md). */
  readonly verdict: Verdict;
  /** Probe and exposure expectations the verdict does not meet. */
  readonly mismatches: readonly Mismatch[];
  /** Findings of the analyzers (and of the audit, with a model), sorted, suppressed ones left out. */
  readonly findings: readonly Diagnostic[];
  readonly suppressed: number;
  /** An unmet expectation, or a finding at or above the failure threshold. */
  readonly failed: boolean;
}

/**
 * Verifies a parsed scenario: follows every probe through the client sidecar, the east-west
 * gateway and the server sidecar, computes each mesh's exposure, runs the analyzers and, with
 * a model, the least-privilege audit. Pure: the CLI and library callers load files themselves.
 */
export function runVerify(parsed: Scenario, options: RunVerifyOptions = {}): VerifyReport {
  // World indexes meshes and resources only, so the same one serves derived probes.
  const world = new World(parsed);
  const scenario: Scenario = parsed.probes.length > 0 ? parsed : { ...parsed, probes: deriveProbes(world) };
  const results = scenario.probes.map((p) => runProbe(world, p));
  const verdict: Verdict = { probes: results.map((r) => r.verdict), exposure: exposure(world) };
  const all = [
    ...analyzeWorld(world),
    ...notModelledFindings(world),
    ...(options.model ? auditAgainstModel(options.model, world, scenario.probes, verdict) : []),
  ];
  const suppress = options.suppress ?? [];
  const findings = sortDiagnostics(all.filter((f) => !isSuppressed(f, suppress)));
  const mismatches = compareExpectations(scenario, verdict);
  const failed = mismatches.length > 0 || exceedsThreshold(findings, options.failureThreshold ?? "error");
  return { world, scenario, results, verdict, mismatches, findings, suppressed: all.length - findings.length, failed };
}
