import { isUtf8 } from "node:buffer";
import { readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parseScenario, type ParseScenarioResult, type SourceFile } from "../verify/parse-scenario.js";
import { UsageError } from "./io.js";

/** Files read for a command: their texts (for diagnostic excerpts) and problems found reading them. */
export interface ReadFiles {
  readonly files: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

/** Files read below a directory given with --mesh (rendered trees, dumps). */
const MESH_FILE = /\.(ya?ml|json)$/;
/** Files read in a scenario's mesh directory, as the conformance oracle reads them. */
const SCENARIO_FILE = /\.ya?ml$/;

/** A path's kind, following symbolic links; refuses what cannot be read as a file at once (a FIFO would hang). */
function statOf(path: string, shown: string): Stats {
  let s: Stats;
  try {
    s = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new UsageError(`${shown}: a loop of symbolic links`);
    throw new UsageError(`cannot read ${shown}: ${code === "ENOENT" ? "no such file or directory" : code}`);
  }
  if (!s.isFile() && !s.isDirectory())
    throw new UsageError(`${shown}: not a regular file or directory (a FIFO, socket or device); give YAML files or directories`);
  return s;
}

/** readFileSync options as an object: given the string "utf8", Node copies its defaults for each of thousands of calls. */
const utf8 = { encoding: "utf8", flag: "r" } as const;

/**
 * One file's text: UTF-8 (as the API server requires), else a diagnostic. A byte order mark
 * is left for the YAML reader, which drops it.
 */
function readText(path: string, file: string, out: ReadFiles): void {
  const text = readFileSync(path, utf8);
  // Node decodes bad bytes as U+FFFD: only a file holding one needs its bytes checked.
  if (!text.includes("\uFFFD") || isUtf8(readFileSync(path))) out.files.push({ file, text });
  else {
    out.diagnostics.push(diagnostic("MF3105", { file }, { position: { file, line: 1, column: 1 } }));
  }
}

/**
 * The YAML files at a path: the file itself, or every `.yaml`, `.yml` and `.json` file below a
 * directory, in name order, following symbolic links (a directory reached twice through links
 * is a loop: MF3106). A scenario's mesh directories are flat and hold `.yaml` and `.yml` files.
 */
export function readYamlFiles(path: string, cwd: string, { recurse = true, pattern = MESH_FILE } = {}): ReadFiles {
  const out: ReadFiles = { files: [], diagnostics: [] };
  // path.relative per file costs more than reading a small file: directories are related once.
  const shownDirs = new Map<string, string>();
  const shown = (p: string) => {
    const slash = p.lastIndexOf("/");
    const dir = p.slice(0, slash);
    let d = shownDirs.get(dir);
    if (d === undefined) {
      d = relative(cwd, dir);
      shownDirs.set(dir, d);
    }
    return d ? `${d}/${p.slice(slash + 1)}` : p.slice(slash + 1) || p;
  };
  // A directory entry's own type is used where it is a plain file or directory (no stat per
  // file); links are followed with a stat, and anything else is refused when it would be read.
  const visit = (p: string, entry: Dirent | undefined, ancestors: ReadonlySet<string>): void => {
    const top = entry === undefined;
    if (!top && !recurse && !entry.isFile() && !entry.isSymbolicLink()) return;
    if (!top && !entry.isDirectory() && !entry.isSymbolicLink() && !pattern.test(p)) return;
    const isFile = entry?.isFile() ?? false;
    const isDirectory = entry?.isDirectory() ?? false;
    const s = isFile || isDirectory ? undefined : statOf(p, shown(p));
    if (isFile || s?.isFile()) {
      if (top || pattern.test(p)) readText(p, shown(p), out);
      return;
    }
    if (!top && !recurse) return;
    const real = realpathSync(p);
    if (ancestors.has(real)) {
      out.diagnostics.push(diagnostic("MF3106", { path: shown(p), target: shown(real) }, { position: { file: shown(p), line: 1, column: 1 } }));
      return;
    }
    const inner = new Set(ancestors).add(real);
    const entries = readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // p is absolute and normalized, and an entry name holds no separator: path.join's
    // normalization, per file of directories of thousands, is not needed.
    const prefix = p.endsWith(sep) ? p : p + sep;
    for (const e of entries) visit(prefix + e.name, e, inner);
  };
  visit(resolve(cwd, path), undefined, new Set());
  return out;
}

/** A scenario directory: `scenario.yaml` and each mesh directory's YAML files. */
export interface ScenarioFiles {
  readonly scenario: SourceFile;
  readonly meshFiles: Map<string, SourceFile[]>;
  readonly diagnostics: Diagnostic[];
}

/** Reads a scenario directory (scenario.yaml and `<mesh>/*.yaml`, sorted by name). */
export function readScenarioFiles(dir: string, cwd: string): ScenarioFiles {
  const root = resolve(cwd, dir);
  if (!statOf(root, `scenario ${dir}`).isDirectory()) throw new UsageError(`${dir} is not a directory; a scenario is a directory with scenario.yaml`);
  const scenarioPath = join(root, "scenario.yaml");
  const head = readYamlFiles(scenarioPath, cwd);
  const diagnostics = [...head.diagnostics];
  const meshFiles = new Map<string, SourceFile[]>();
  for (const name of readdirSync(root).sort()) {
    const p = join(root, name);
    if (name === "scenario.yaml" || !statOf(p, relative(cwd, p)).isDirectory()) continue;
    const mesh = readYamlFiles(p, cwd, { recurse: false, pattern: SCENARIO_FILE });
    diagnostics.push(...mesh.diagnostics);
    meshFiles.set(name, mesh.files);
  }
  return { scenario: head.files[0] ?? { file: relative(cwd, scenarioPath), text: "" }, meshFiles, diagnostics };
}

/** A scenario read and parsed, with every file's text for diagnostic excerpts. */
export interface LoadedScenario extends ParseScenarioResult {
  readonly sources: Map<string, string>;
}

export function sourcesOf(files: Iterable<SourceFile>): Map<string, string> {
  const sources = new Map<string, string>();
  for (const f of files) sources.set(f.file, f.text);
  return sources;
}

/** Reads and parses a scenario directory. Paths in diagnostics are relative to `cwd`. */
export function loadScenario(dir: string, cwd: string = process.cwd()): LoadedScenario {
  const read = readScenarioFiles(dir, cwd);
  const sources = sourcesOf([read.scenario, ...[...read.meshFiles.values()].flat()]);
  if (read.diagnostics.length > 0) return { diagnostics: read.diagnostics, sources };
  return { ...parseScenario({ scenario: read.scenario, meshFiles: read.meshFiles }), sources };
}
