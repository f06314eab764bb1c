import type { CompiledFederation } from "../compile/types.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import { modelScenario } from "../scenario/build-scenario.js";
import { runVerify } from "../verify/run-verify.js";

/**
 * The least-privilege audit of what apply is about to write: the federation's own proof
 * scenario (every workload the model implies calling every import), built in memory and
 * verified against the model — `meshfed verify --model FILE`. Empty means least-privileged.
 */
export function auditRender(federation: Federation, compiled: CompiledFederation): readonly Diagnostic[] {
  const parsed = modelScenario(federation, compiled);
  if (!parsed.scenario) return parsed.diagnostics;
  return runVerify(parsed.scenario, { model: federation }).findings;
}
