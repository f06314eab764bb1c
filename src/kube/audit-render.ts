import { analyzeWorld, auditAgainstModel, buildScenario, deriveProbes, parseScenario, verifyScenario, World, type CompiledFederation, type Diagnostic, type Federation } from "../index.js";

/**
 * The least-privilege audit of what apply is about to write: the federation's own proof
 * scenario (every workload the model implies calling every import), built in memory and run
 * through verify's public functions. Returns verify's findings; empty means least-privileged.
 */
export function auditRender(federation: Federation, compiled: CompiledFederation): Diagnostic[] {
  const files = buildScenario(federation, compiled);
  const meshFiles = new Map<string, { file: string; text: string }[]>();
  let scenarioText = "";
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const slash = path.indexOf("/");
    if (slash < 0) {
      if (path === "scenario.yaml") scenarioText = text;
      continue;
    }
    const mesh = path.slice(0, slash);
    const list = meshFiles.get(mesh) ?? [];
    list.push({ file: `(render)/${path}`, text });
    meshFiles.set(mesh, list);
  }
  const parsed = parseScenario({ scenario: { file: "(render)/scenario.yaml", text: scenarioText }, meshFiles });
  if (!parsed.scenario) return parsed.diagnostics;
  const world = new World(parsed.scenario);
  const scenario = parsed.scenario.probes.length > 0 ? parsed.scenario : { ...parsed.scenario, probes: deriveProbes(world) };
  const { verdict } = verifyScenario(scenario);
  return [...analyzeWorld(world), ...auditAgainstModel(federation, world, scenario.probes, verdict)];
}
