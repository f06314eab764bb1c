import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseScenario, type ParseScenarioResult, type SourceFile } from "./parse-scenario.js";

/** readFileSync options as an object: given the string "utf8", Node copies its defaults for each call (a tenth of the read time over thousands of small files). */
export const utf8 = { encoding: "utf8", flag: "r" } as const;

/** The loaded scenario, with every file's text for diagnostics excerpts. */
export interface LoadedScenario extends ParseScenarioResult {
  readonly sources: Map<string, string>;
}

/**
 * Reads a scenario directory: `scenario.yaml` and `<mesh>/*.yaml` (sorted by name). The only
 * file-system code of verify. Paths in diagnostics are relative to `cwd`.
 */
export async function loadScenario(dir: string, cwd: string = process.cwd()): Promise<LoadedScenario> {
  const sources = new Map<string, string>();
  // Synchronous reads: a large scenario has thousands of small files, and a promise per file
  // costs more than the read itself.
  const read = (path: string, file: string): SourceFile => {
    const text = readFileSync(path, utf8);
    sources.set(file, text);
    return { file, text };
  };
  const shown = (path: string) => relative(cwd, path) || path;
  const scenarioPath = join(dir, "scenario.yaml");
  const scenario = read(scenarioPath, shown(scenarioPath));
  const entries = readdirSync(dir, { withFileTypes: true });
  const meshFiles = new Map<string, SourceFile[]>();
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const meshDir = join(dir, e.name);
    // Paths are joined by hand per file: path.join and path.relative for each of thousands of
    // files cost more than reading them.
    const shownDir = relative(cwd, meshDir);
    const prefix = shownDir ? `${shownDir}${sep}` : "";
    const files = readdirSync(meshDir, { withFileTypes: true })
      .filter((f) => f.isFile() && (f.name.endsWith(".yaml") || f.name.endsWith(".yml")))
      .map((f) => f.name)
      .sort();
    meshFiles.set(
      e.name,
      files.map((f) => read(`${meshDir}${sep}${f}`, `${prefix}${f}`)),
    );
  }
  const result = parseScenario({ scenario, meshFiles });
  return { ...result, sources };
}
