import type * as Yaml from "yaml";
import type { LineCounter, Node } from "yaml";
import type { ArgsOf } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { validateIstioResources } from "./validate-istio.js";
import { positionsLib } from "./yaml/positions-lib.js";
import { readYamlStream, type YamlDocument, type YamlProblem } from "./yaml/read-yaml.js";
import type { DeniedAt, EastWestGatewaySpec, ExposureEntry, MeshSpec, ProbeSpec, Resource, Scenario } from "./types.js";

/** A scenario problem as MF3101's template takes it, but for the file and field `fail` adds. */
type ScenarioProblem = ArgsOf<"MF3101"> extends infer A ? (A extends { field: string } ? Omit<A, "file" | "field"> : never) : never;

/** A YAML file as read by the loader: path for messages, and its text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

export interface ScenarioInput {
  readonly scenario: SourceFile;
  /** Files of each mesh directory, by mesh name, sorted by file name. */
  readonly meshFiles: ReadonlyMap<string, readonly SourceFile[]>;
}

export interface ParseScenarioResult {
  readonly scenario?: Scenario;
  readonly diagnostics: Diagnostic[];
}

const ignoredKinds = new Set(["ConfigMap", "Secret", "IstioOperator", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The first entry of a mapping whose value is not a string. */
function firstNonString(map: Record<string, unknown>): [string, unknown] | undefined {
  for (const k of Object.keys(map)) if (typeof map[k] !== "string") return [k, map[k]];
  return undefined;
}

/** A mapping's values as strings: the mapping itself when they all are (parsed objects are not shared), else a copy. */
function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const keys = Object.keys(v);
  let i = 0;
  while (i < keys.length && typeof v[keys[i]!] === "string") i++;
  if (i === keys.length) return v as Record<string, string>;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = String(v[k]);
  return out;
}

/**
 * Parses a scenario (scenario.yaml and every mesh's resources) without touching the file
 * system. Problems are MF31xx diagnostics with file:line; any error means no scenario.
 */
export function parseScenario(input: ScenarioInput): ParseScenarioResult {
  const diagnostics: Diagnostic[] = [];
  const { file, text } = input.scenario;
  let lc: LineCounter | undefined;
  // The `yaml` library's document (with positions) is built only when a position is needed:
  // a large scenario parses an order of magnitude faster without it.
  let parsedDoc: Yaml.Document.Parsed | undefined;
  const getDoc = () => {
    if (!parsedDoc) {
      const yaml = positionsLib();
      lc = new yaml.LineCounter();
      parsedDoc = yaml.parseDocument(text, { lineCounter: lc, prettyErrors: false });
    }
    return parsedDoc;
  };
  const linePos = (offset: number) => {
    getDoc();
    return lc!.linePos(offset);
  };
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0] ?? 0;
    const p = linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const pathNode = (path: (string | number)[]) => getDoc().getIn(path, true) as Node | undefined;
  const fail = (path: (string | number)[], problem: ScenarioProblem) => {
    let node: Node | undefined;
    for (let i = path.length; i >= 0 && !node; i--) node = pathNode(path.slice(0, i));
    // The problem's own arguments plus where it is; TypeScript cannot follow the spread through the union.
    const args = { ...problem, file, field: path.join(".") } as ArgsOf<"MF3101">;
    diagnostics.push(diagnostic("MF3101", args, { path: path.join("."), position: at(node) }));
  };
  const read = readYamlStream(text);
  if (read.problems.length > 0) return { diagnostics: yamlDiagnostics(file, read.problems) };
  if (read.documents.length > 1) {
    const second = read.documents[1]!;
    diagnostics.push(diagnostic("MF3101", { file, problem: "documents", line: second.line }, { position: { file, line: second.line, column: 1 } }));
    return { diagnostics };
  }
  const top = read.documents[0]?.value;
  if (!isRecord(top)) {
    fail([], { problem: "not-mapping" });
    return { diagnostics };
  }
  for (const key of Object.keys(top)) {
    if (!["meshes", "probes", "expectExposure"].includes(key)) fail([key], { problem: "unknown-field", key });
  }
  const meshes: MeshSpec[] = [];
  const rawMeshes = top.meshes;
  if (!Array.isArray(rawMeshes) || rawMeshes.length === 0) fail(["meshes"], { problem: "no-meshes" });
  const names = new Set<string>();
  const meshList: unknown[] = Array.isArray(rawMeshes) ? rawMeshes : [];
  for (let i = 0; i < meshList.length; i++) {
    const m = meshList[i];
    if (!isRecord(m)) {
      fail(["meshes", i], { problem: "mesh-not-mapping" });
      continue;
    }
    const name = typeof m.name === "string" ? m.name : "";
    if (!name) {
      fail(["meshes", i, "name"], { problem: "mesh-name-missing" });
      continue;
    }
    if (names.has(name)) {
      fail(["meshes", i, "name"], { problem: "mesh-name-twice", name });
      continue;
    }
    names.add(name);
    if (typeof m.trustDomain !== "string" || !m.trustDomain) {
      fail(["meshes", i, "trustDomain"], { problem: "mesh-trust-domain-missing", name });
      continue;
    }
    let gw: EastWestGatewaySpec | undefined;
    if (m.eastWestGateway !== undefined && m.eastWestGateway !== null) {
      const g = m.eastWestGateway;
      const port = Number(g?.port);
      if (!isRecord(g) || typeof g.address !== "string" || !g.address || !Number.isInteger(port) || port <= 0 || port > 65535) {
        fail(["meshes", i, "eastWestGateway"], { problem: "mesh-gateway", name });
        continue;
      }
      const selector = stringMap(g.selector);
      gw = {
        address: g.address,
        port,
        selector: Object.keys(selector).length > 0 ? selector : { istio: "eastwestgateway" },
        namespace: typeof g.namespace === "string" && g.namespace ? g.namespace : "istio-system",
        serviceAccount: typeof g.serviceAccount === "string" && g.serviceAccount ? g.serviceAccount : "istio-eastwestgateway",
      };
    }
    const meshConfig = isRecord(m.meshConfig) ? m.meshConfig : {};
    const aliases = [
      ...(Array.isArray(m.trustDomainAliases) ? m.trustDomainAliases.map(String) : []),
      ...(Array.isArray(meshConfig.trustDomainAliases) ? meshConfig.trustDomainAliases.map(String) : []),
    ];
    meshes.push({
      name,
      trustDomain: typeof meshConfig.trustDomain === "string" ? meshConfig.trustDomain : m.trustDomain,
      trustDomainAliases: Array.isArray(meshConfig.trustDomainAliases) ? meshConfig.trustDomainAliases.map(String) : aliases,
      rootCA: typeof m.rootCA === "string" ? m.rootCA : "",
      network: typeof m.network === "string" ? m.network : "",
      clusterDomain: typeof m.clusterDomain === "string" && m.clusterDomain ? m.clusterDomain : "cluster.local",
      skipValidateTrustDomain: m.skipValidateTrustDomain === true,
      meshConfig,
      ...(gw ? { eastWestGateway: gw } : {}),
    });
  }
  const probes: ProbeSpec[] = [];
  const probeNames = new Set<string>();
  const rawProbes = top.probes ?? [];
  if (!Array.isArray(rawProbes)) fail(["probes"], { problem: "probes-not-list" });
  const probeList: unknown[] = Array.isArray(rawProbes) ? rawProbes : [];
  // A loop without a callback per probe, its body a function of its own: a generated scenario
  // has tens of thousands, and V8 optimizes a long loop together with its whole function.
  for (let i = 0; i < probeList.length; i++) {
    const probe = parseProbe(probeList[i], names, probeNames);
    if ("problem" in probe) fail(["probes", i, ...probe.at], probe.problem);
    else probes.push(probe);
  }
  let expectExposure: ExposureEntry[] | undefined;
  if ("expectExposure" in top) {
    const raw = top.expectExposure ?? [];
    if (!Array.isArray(raw)) fail(["expectExposure"], { problem: "exposure-not-list" });
    else {
      expectExposure = raw.map((e: any) => ({
        mesh: String(e?.mesh),
        host: String(e?.host),
        port: Number(e?.port),
        admits: Array.isArray(e?.admits) ? e.admits.map(String) : [],
      }));
    }
  }
  const resources = parseMeshResources(meshes, input.meshFiles, diagnostics);
  if (diagnostics.length > 0) return { diagnostics };
  return { scenario: { meshes, probes, ...(expectExposure ? { expectExposure } : {}), resources }, diagnostics };
}

const deniedAtValues = ["client", "gateway", "server", "trust"];

/** A scenario probe, or the problem with it and where (below the probe). */
function parseProbe(
  p: unknown,
  meshNames: ReadonlySet<string>,
  probeNames: Set<string>,
): ProbeSpec | { readonly at: (string | number)[]; readonly problem: ScenarioProblem } {
  if (!isRecord(p)) return { at: [], problem: { problem: "probe-not-mapping" } };
  const name = typeof p.name === "string" ? p.name : "";
  if (!name) return { at: ["name"], problem: { problem: "probe-name-missing" } };
  if (probeNames.has(name)) return { at: ["name"], problem: { problem: "probe-name-twice", name } };
  probeNames.add(name);
  const from = isRecord(p.from) ? p.from : {};
  const to = isRecord(p.to) ? p.to : {};
  const mesh = String(from.mesh);
  if (!meshNames.has(mesh)) return { at: ["from", "mesh"], problem: { problem: "probe-from-mesh", name, mesh, meshes: [...meshNames] } };
  if (!from.namespace || !from.serviceAccount) return { at: ["from"], problem: { problem: "probe-from-identity", name } };
  const port = typeof to.port === "number" ? to.port : Number(to.port);
  if (typeof to.host !== "string" || !to.host || !Number.isInteger(port) || port <= 0 || port > 65535)
    return { at: ["to"], problem: { problem: "probe-to", name } };
  const expect = p.expect;
  if (expect !== undefined && expect !== null && expect !== "allow" && expect !== "deny")
    return { at: ["expect"], problem: { problem: "probe-expect", name, value: String(expect) } };
  const deniedAt = p.expectDeniedAt ?? null;
  if (deniedAt !== null && !deniedAtValues.includes(String(deniedAt)))
    return { at: ["expectDeniedAt"], problem: { problem: "probe-denied-at", name, value: String(deniedAt) } };
  const reason = p.expectReason ?? null;
  if (reason !== null && !/^MF30\d\d$/.test(String(reason))) return { at: ["expectReason"], problem: { problem: "probe-reason", name, value: String(reason) } };
  const fromSpec = { mesh, namespace: String(from.namespace), serviceAccount: String(from.serviceAccount), labels: stringMap(from.labels) };
  const toSpec = { host: to.host, port };
  return expect
    ? { name, from: fromSpec, to: toSpec, expect, expectDeniedAt: deniedAt as DeniedAt | null, expectReason: reason as string | null }
    : { name, from: fromSpec, to: toSpec, expectDeniedAt: deniedAt as DeniedAt | null, expectReason: reason as string | null };
}

/**
 * Every mesh's resources from its files, checked as istiod's validation would (invalid
 * resources are diagnostics, never judged) and with one object per identity.
 */
export function parseMeshResources(
  meshes: readonly MeshSpec[],
  meshFiles: ReadonlyMap<string, readonly SourceFile[]>,
  diagnostics: Diagnostic[],
): Map<string, Resource[]> {
  const resources = new Map<string, Resource[]>();
  for (const mesh of meshes) {
    const rs = parseMeshFiles(meshFiles.get(mesh.name) ?? [], diagnostics);
    diagnostics.push(...validateIstioResources(rs));
    reportDuplicates(rs, diagnostics);
    resources.set(mesh.name, rs);
  }
  return resources;
}

/**
 * One object per identity: Istio API versions of a kind are the same resource. (A function of
 * its own, as every per-resource loop here: V8 optimizes a long loop together with the rest
 * of its function, and that costs more than it saves in a run this short.)
 */
function reportDuplicates(rs: readonly Resource[], diagnostics: Diagnostic[]): void {
  const seen = new Map<string, Resource>();
  for (const r of rs) {
    const slash = r.apiVersion.indexOf("/");
    const group = slash >= 0 ? r.apiVersion.slice(0, slash) : r.apiVersion;
    const key = `${group.endsWith("istio.io") ? group : r.apiVersion}/${r.kind}/${r.namespace}/${r.name}`;
    const prev = seen.get(key);
    if (prev) {
      diagnostics.push(
        diagnostic(
          "MF3103",
          {
            file: r.file,
            line: r.line,
            problem: "duplicate",
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            otherFile: prev.file,
            otherLine: prev.line,
          },
          { position: { file: r.file, line: r.line, column: 1 } },
        ),
      );
    } else seen.set(key, r);
  }
}

function toResource(
  o: Record<string, any> & { kind: string; apiVersion: string },
  metadata: Record<string, any> & { name: string },
  file: string,
  line: number,
  text: string,
): Resource {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: metadata.name,
    namespace: typeof metadata.namespace === "string" && metadata.namespace ? metadata.namespace : "default",
    metadata,
    spec: isRecord(o.spec) ? o.spec : {},
    status: isRecord(o.status) ? o.status : {},
    raw: o,
    file,
    line,
    text,
  };
}

/** YAML problems as MF3102 diagnostics of a file. */
function yamlDiagnostics(file: string, problems: readonly YamlProblem[]): Diagnostic[] {
  return problems.map((p) =>
    diagnostic("MF3102", { file, line: p.line, reason: p.message, remedy: p.fix }, { position: { file, line: p.line, column: p.column } }),
  );
}

/**
 * The line and text of each item of a `List` document. Values come from readYamlStream; the
 * `yaml` library is asked only for positions, and only for List documents (dumps).
 */
function listItemPlaces(doc: YamlDocument): { line: number; text: string }[] {
  const yaml = positionsLib();
  const lc = new yaml.LineCounter();
  const parsed = yaml.parseDocument(doc.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const items = yaml.isMap(parsed.contents) ? parsed.contents.get("items", true) : undefined;
  if (!yaml.isSeq(items)) return [];
  return items.items.map((n) => {
    const range = (n as Node).range;
    return { line: doc.textLine - 1 + lc.linePos(range?.[0] ?? 0).line, text: range ? doc.text.slice(range[0], range[2]) : "" };
  });
}

/** Parses multi-document YAML files of one mesh; `List` kinds are flattened. */
export function parseMeshFiles(files: readonly SourceFile[], diagnostics: Diagnostic[]): Resource[] {
  const out: Resource[] = [];
  for (const { file, text } of files) {
    const { documents, problems } = readYamlStream(text);
    if (problems.length > 0) diagnostics.push(...yamlDiagnostics(file, problems));
    for (const doc of documents) addResource(out, diagnostics, file, doc.value, doc.line, doc.text, () => listItemPlaces(doc));
  }
  return out;
}

/** Adds a document's value (or, for a `List`, each item) as a resource of `out`, or a diagnostic. */
function addResource(
  out: Resource[],
  diagnostics: Diagnostic[],
  file: string,
  o: unknown,
  line: number,
  txt: string,
  item?: () => { line: number; text: string }[],
): void {
  const position = { file, line, column: 1 };
  if (!isRecord(o)) {
    diagnostics.push(diagnostic("MF3103", { file, line, problem: "not-mapping" }, { position }));
    return;
  }
  if (!o.kind && !o.apiVersion) return;
  // kustomize's own files (render --out writes a kustomization.yaml beside the resources
  // it lists; every file of the directory is read anyway) are not cluster objects.
  if (typeof o.apiVersion === "string" && o.apiVersion.startsWith("kustomize.config.k8s.io/")) return;
  if (typeof o.kind !== "string" || typeof o.apiVersion !== "string" || !o.kind || !o.apiVersion) {
    diagnostics.push(diagnostic("MF3103", { file, line, problem: "no-kind" }, { position }));
    return;
  }
  if (o.kind === "List" || o.kind.endsWith("List")) {
    const items = Array.isArray(o.items) ? o.items : [];
    const places = item ? item() : [];
    items.forEach((entry: unknown, i: number) => {
      addResource(out, diagnostics, file, entry, places[i]?.line ?? line, places[i]?.text ?? txt);
    });
    return;
  }
  const metadata = isRecord(o.metadata) ? o.metadata : {};
  if (typeof metadata.name !== "string" || !metadata.name) {
    diagnostics.push(diagnostic("MF3103", { file, line, problem: "no-name", kind: o.kind }, { position }));
    return;
  }
  if (ignoredKinds.has(o.kind)) return;
  // Labels and annotations are maps of strings: the API server refuses anything else,
  // which YAML 1.1 makes easy to write (`inject: yes`, `port: 8080`).
  for (const field of ["labels", "annotations"] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    const bad = isRecord(map) ? firstNonString(map) : undefined;
    if (!isRecord(map) || bad) {
      diagnostics.push(
        diagnostic(
          "MF3103",
          { file, line, problem: "metadata-not-strings", kind: o.kind, name: metadata.name, field, ...(bad ? { key: bad[0], value: bad[1] } : {}) },
          { position },
        ),
      );
      return;
    }
  }
  out.push(toResource(o as Record<string, any> & { kind: string; apiVersion: string }, metadata as Record<string, any> & { name: string }, file, line, txt));
}
