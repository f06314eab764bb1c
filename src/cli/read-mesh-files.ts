import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import type { SourceFile } from "../verify/parse-scenario.js";
import { scenarioFromModel } from "../verify/scenario-from-model.js";
import { readYamlFiles, sourcesOf, type LoadedScenario } from "./read-files.js";

/**
 * Reads each mesh's files (`--mesh NAME=PATH`: rendered output, hand-written YAML, `kubectl
 * get -o yaml` dumps) and builds the scenario with the model's mesh settings.
 */
export function loadMeshFiles(federation: Federation, meshPaths: ReadonlyMap<string, readonly string[]>, cwd: string): LoadedScenario {
  const meshFiles = new Map<string, SourceFile[]>();
  const diagnostics: Diagnostic[] = [];
  for (const [mesh, paths] of meshPaths) {
    for (const path of paths) {
      const read = readYamlFiles(path, cwd);
      meshFiles.set(mesh, [...(meshFiles.get(mesh) ?? []), ...read.files]);
      diagnostics.push(...read.diagnostics);
    }
  }
  const sources = sourcesOf([...meshFiles.values()].flat());
  if (diagnostics.length > 0) return { diagnostics, sources };
  return { ...scenarioFromModel(federation, meshFiles), sources };
}
