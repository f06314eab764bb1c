import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseScenario, type ParseScenarioResult, type SourceFile } from "./parse-scenario.js";

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
  const read = async (path: string): Promise<SourceFile> => {
    const text = await readFile(path, "utf8");
    const file = relative(cwd, path) || path;
    sources.set(file, text);
    return { file, text };
  };
  const scenario = await read(join(dir, "scenario.yaml"));
  const meshNames = new Set<string>();
  for (const m of scenario.text.matchAll(/^\s*-?\s*name:\s*["']?([A-Za-z0-9._-]+)["']?\s*$/gm)) meshNames.add(m[1]!);
  const entries = await readdir(dir, { withFileTypes: true });
  const meshFiles = new Map<string, SourceFile[]>();
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const files = (await readdir(join(dir, e.name), { withFileTypes: true }))
      .filter((f) => f.isFile() && (f.name.endsWith(".yaml") || f.name.endsWith(".yml")))
      .map((f) => f.name)
      .sort();
    // Read concurrently (a large scenario has thousands of files); order is kept.
    const list: SourceFile[] = await Promise.all(files.map((f) => read(join(dir, e.name, f))));
    meshFiles.set(e.name, list);
  }
  const result = parseScenario({ scenario, meshFiles });
  return { ...result, sources };
}
