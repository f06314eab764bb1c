import { parse, parseAllDocuments, stringify } from "yaml";
import { compareStrings } from "../../src/util/compare.js";
import type { ExposureJson, SourceExpectations } from "./compare-verdicts.js";

/** A parsed YAML object; mutations edit these in place. */
export type Node = Record<string, any>;

/** One `<mesh>/*.yaml` file: its documents, in order. */
export interface MeshFile {
  readonly path: string;
  readonly mesh: string;
  docs: Node[];
}

/**
 * A scenario directory as data: `scenario.yaml` parsed, every mesh file parsed into its
 * documents, and any other file (README.md) kept as text.
 */
export interface ScenarioDocs {
  scenario: Node;
  files: MeshFile[];
  readonly other: Map<string, string>;
}

const isYaml = (path: string) => path.endsWith(".yaml") || path.endsWith(".yml");

/** Parses a scenario given as path → text (paths relative to the scenario directory). */
export function parseScenarioFiles(files: ReadonlyMap<string, string>): ScenarioDocs {
  const text = files.get("scenario.yaml");
  if (text === undefined) throw new Error("scenario has no scenario.yaml");
  const scenario = (parse(text) ?? {}) as Node;
  const meshFiles: MeshFile[] = [];
  const other = new Map<string, string>();
  for (const path of [...files.keys()].sort(compareStrings)) {
    if (path === "scenario.yaml") continue;
    const slash = path.indexOf("/");
    const body = files.get(path)!;
    if (slash < 0 || !isYaml(path)) {
      other.set(path, body);
      continue;
    }
    const docs = parseAllDocuments(body)
      .map((d) => d.toJS() as unknown)
      .filter((d): d is Node => d !== null && typeof d === "object" && !Array.isArray(d));
    meshFiles.push({ path, mesh: path.slice(0, slash), docs });
  }
  return { scenario, files: meshFiles, other };
}

/** The inverse of parseScenarioFiles (comments are not kept). Files left with no document are dropped. */
export function serializeScenarioFiles(docs: ScenarioDocs): Map<string, string> {
  const out = new Map<string, string>();
  out.set("scenario.yaml", stringify(docs.scenario));
  for (const f of docs.files) {
    if (f.docs.length === 0) continue;
    out.set(f.path, f.docs.map((d) => stringify(d)).join("---\n"));
  }
  for (const [path, text] of docs.other) out.set(path, text);
  return new Map([...out.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/** A deep copy (the documents are plain JSON-like data). */
export function cloneScenarioDocs(docs: ScenarioDocs): ScenarioDocs {
  return {
    scenario: structuredClone(docs.scenario),
    files: docs.files.map((f) => ({ path: f.path, mesh: f.mesh, docs: structuredClone(f.docs) })),
    other: new Map(docs.other),
  };
}

/**
 * Removes what a scenario expects (probes' expect/expectDeniedAt/expectReason and
 * expectExposure): a mutation changes the truth, and the differential compares the two
 * analyzers with each other, not with an expectation.
 */
export function stripExpectations(docs: ScenarioDocs): void {
  delete docs.scenario["expectExposure"];
  const probes: unknown = docs.scenario["probes"];
  if (!Array.isArray(probes)) return;
  for (const p of probes as Node[]) {
    delete p["expect"];
    delete p["expectDeniedAt"];
    delete p["expectReason"];
  }
}

/** The expectations of a scenario (before stripExpectations), for differsFromExpectations. */
export function expectationsOf(docs: ScenarioDocs): SourceExpectations {
  const probes = new Map<string, { expect?: string; expectDeniedAt?: string | null; expectReason?: string | null }>();
  const list: unknown = docs.scenario["probes"];
  if (Array.isArray(list)) {
    for (const p of list as Node[]) {
      if (typeof p["name"] !== "string") continue;
      const e: { expect?: string; expectDeniedAt?: string | null; expectReason?: string | null } = {};
      if (typeof p["expect"] === "string") e.expect = p["expect"];
      if ("expectDeniedAt" in p) e.expectDeniedAt = (p["expectDeniedAt"] as string | null) ?? null;
      if ("expectReason" in p) e.expectReason = (p["expectReason"] as string | null) ?? null;
      probes.set(p["name"], e);
    }
  }
  const exposure: unknown = docs.scenario["expectExposure"];
  return Array.isArray(exposure) ? { probes, exposure: exposure as ExposureJson[] } : { probes };
}
