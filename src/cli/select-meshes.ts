import type { Scenario } from "../verify/types.js";
import type { VerifyReport } from "../verify/run-verify.js";

/**
 * `verify --mesh NAME` (the selecting form): the probes that call from or into the selected
 * meshes and the exposure of those meshes. Findings, expectations and the exit code stay those
 * of the whole scenario: least privilege is a property of every mesh together, and a finding
 * elsewhere is not hidden by looking at one mesh.
 *
 * @param rerun verifies a scenario with the same options (to follow only the selected probes)
 */
export function selectMeshes(full: VerifyReport, selected: ReadonlySet<string>, rerun: (scenario: Scenario) => VerifyReport): VerifyReport {
  const touching = new Set(full.verdict.probes.filter((p) => p.hops.some((h) => selected.has(h.mesh))).map((p) => p.name));
  const probes = full.scenario.probes.filter((p) => selected.has(p.from.mesh) || touching.has(p.name));
  // A scenario without probes would have them derived again: with none selected, none are run.
  const part = probes.length > 0 ? rerun({ ...full.scenario, probes }) : undefined;
  return {
    ...full,
    scenario: { ...full.scenario, probes },
    results: part?.results ?? [],
    verdict: { probes: part?.verdict.probes ?? [], exposure: full.verdict.exposure.filter((e) => selected.has(e.mesh)) },
  };
}
