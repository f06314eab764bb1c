import jsyaml from "js-yaml";
import { parseYamlDocument, parseYamlStream } from "../util/fast-yaml.js";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { LineCounter, Node } from "yaml";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { validateIstioResources } from "./validate-istio.js";
import type { DeniedAt, EastWestGatewaySpec, ExposureEntry, MeshSpec, ProbeSpec, Resource, Scenario } from "./types.js";

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

let yamlModule: typeof Yaml | undefined;

/** The `yaml` library, loaded on first use: only input the fast path rejects needs its positions. */
function yamlLib(): typeof Yaml {
  return (yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml);
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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
      const yaml = yamlLib();
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
  const fail = (path: (string | number)[], message: string, fix: string) => {
    let node: Node | undefined;
    for (let i = path.length; i >= 0 && !node; i--) node = pathNode(path.slice(0, i));
    diagnostics.push(diagnostic("MF3101", { message: `${file}: ${path.join(".") || "(document)"}: ${message}`, fix, path: path.join("."), position: at(node) }));
  };
  let top = fastLoad(text);
  if (top === FAILED) {
    const doc = getDoc();
    for (const e of doc.errors) {
      const p = linePos(e.pos[0]);
      diagnostics.push(diagnostic("MF3102", { message: `${file}: ${e.message.split("\n")[0]}`, fix: "Fix the YAML syntax at the position shown.", position: { file, line: p.line, column: p.col } }));
    }
    if (diagnostics.length > 0) return { diagnostics };
    try {
      top = doc.toJS() as unknown;
    } catch (err) {
      diagnostics.push(diagnostic("MF3102", { message: `${file}: ${(err as Error).message.split("\n")[0]}`, fix: "Fix the YAML at the position shown (a value starting with `*` is an alias; quote it).", position: at(doc.contents) }));
      return { diagnostics };
    }
  }
  if (!isRecord(top)) {
    fail([], "a scenario is a mapping with `meshes` and `probes`", "See conformance/README.md for the scenario format.");
    return { diagnostics };
  }
  for (const key of Object.keys(top)) {
    if (!["meshes", "probes", "expectExposure"].includes(key)) fail([key], `unknown field "${key}"`, "Use only meshes, probes and expectExposure.");
  }
  const meshes: MeshSpec[] = [];
  const rawMeshes = top.meshes;
  if (!Array.isArray(rawMeshes) || rawMeshes.length === 0) fail(["meshes"], "at least one mesh is required", "Add a list of meshes.");
  const names = new Set<string>();
  (Array.isArray(rawMeshes) ? rawMeshes : []).forEach((m: unknown, i: number) => {
    if (!isRecord(m)) return fail(["meshes", i], "a mesh is a mapping", "Write name, trustDomain, rootCA, ….");
    const name = typeof m.name === "string" ? m.name : "";
    if (!name) return fail(["meshes", i, "name"], "name is required", "Give every mesh a name.");
    if (names.has(name)) return fail(["meshes", i, "name"], `mesh name "${name}" is used twice`, "Mesh names are unique.");
    names.add(name);
    if (typeof m.trustDomain !== "string" || !m.trustDomain) return fail(["meshes", i, "trustDomain"], `mesh "${name}" has no trustDomain`, "Set trustDomain.");
    let gw: EastWestGatewaySpec | undefined;
    if (m.eastWestGateway !== undefined && m.eastWestGateway !== null) {
      const g = m.eastWestGateway;
      const port = Number(g?.port);
      if (!isRecord(g) || typeof g.address !== "string" || !g.address || !Number.isInteger(port) || port <= 0 || port > 65535) {
        return fail(["meshes", i, "eastWestGateway"], `mesh "${name}": eastWestGateway needs address and a port in 1..65535`, "Set eastWestGateway.address and .port.");
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
    const aliases = [...(Array.isArray(m.trustDomainAliases) ? m.trustDomainAliases.map(String) : []), ...(Array.isArray(meshConfig.trustDomainAliases) ? meshConfig.trustDomainAliases.map(String) : [])];
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
  });
  const probes: ProbeSpec[] = [];
  const probeNames = new Set<string>();
  const rawProbes = top.probes ?? [];
  if (!Array.isArray(rawProbes)) fail(["probes"], "probes is a list", "Write probes as a YAML list.");
  const probeList: unknown[] = Array.isArray(rawProbes) ? rawProbes : [];
  const deniedAtValues = ["client", "gateway", "server", "trust"];
  // A loop without a callback per probe: a generated scenario has tens of thousands.
  for (let i = 0; i < probeList.length; i++) {
    const p = probeList[i];
    if (!isRecord(p)) {
      fail(["probes", i], "a probe is a mapping", "Write name, from, to.");
      continue;
    }
    const name = typeof p.name === "string" ? p.name : "";
    if (!name) {
      fail(["probes", i, "name"], "name is required", "Name every probe.");
      continue;
    }
    if (probeNames.has(name)) {
      fail(["probes", i, "name"], `probe name "${name}" is used twice`, "Probe names are unique.");
      continue;
    }
    probeNames.add(name);
    const from = isRecord(p.from) ? p.from : {};
    const to = isRecord(p.to) ? p.to : {};
    const mesh = String(from.mesh);
    if (!names.has(mesh)) {
      fail(["probes", i, "from", "mesh"], `probe "${name}": from.mesh "${mesh}" is not a mesh of this scenario`, `Use one of: ${[...names].join(", ")}.`);
      continue;
    }
    if (!from.namespace || !from.serviceAccount) {
      fail(["probes", i, "from"], `probe "${name}": from needs namespace and serviceAccount`, "Set from.namespace and from.serviceAccount.");
      continue;
    }
    const port = typeof to.port === "number" ? to.port : Number(to.port);
    if (typeof to.host !== "string" || !to.host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      fail(["probes", i, "to"], `probe "${name}": to needs host and a port in 1..65535`, "Set to.host and to.port.");
      continue;
    }
    const expect = p.expect;
    if (expect !== undefined && expect !== null && expect !== "allow" && expect !== "deny") {
      fail(["probes", i, "expect"], `probe "${name}": expect "${String(expect)}" must be allow or deny`, "Write allow or deny.");
      continue;
    }
    const deniedAt = p.expectDeniedAt ?? null;
    if (deniedAt !== null && !deniedAtValues.includes(String(deniedAt))) {
      fail(["probes", i, "expectDeniedAt"], `probe "${name}": expectDeniedAt "${String(deniedAt)}" must be client, gateway, server or trust`, "Fix expectDeniedAt.");
      continue;
    }
    const reason = p.expectReason ?? null;
    if (reason !== null && !/^MF30\d\d$/.test(String(reason))) {
      fail(["probes", i, "expectReason"], `probe "${name}": expectReason "${String(reason)}" must be an MF30xx code`, "Use a reason code from conformance/README.md.");
      continue;
    }
    const fromSpec = { mesh, namespace: String(from.namespace), serviceAccount: String(from.serviceAccount), labels: stringMap(from.labels) };
    const toSpec = { host: to.host, port };
    probes.push(
      expect
        ? { name, from: fromSpec, to: toSpec, expect, expectDeniedAt: deniedAt as DeniedAt | null, expectReason: reason as string | null }
        : { name, from: fromSpec, to: toSpec, expectDeniedAt: deniedAt as DeniedAt | null, expectReason: reason as string | null },
    );
  }
  let expectExposure: ExposureEntry[] | undefined;
  if ("expectExposure" in top) {
    const raw = top.expectExposure ?? [];
    if (!Array.isArray(raw)) fail(["expectExposure"], "expectExposure is a list", "Write it like the verdict's exposure.");
    else {
      expectExposure = raw.map((e: any) => ({ mesh: String(e?.mesh), host: String(e?.host), port: Number(e?.port), admits: Array.isArray(e?.admits) ? e.admits.map(String) : [] }));
    }
  }
  const resources = new Map<string, Resource[]>();
  for (const mesh of meshes) {
    const rs = parseMeshFiles(input.meshFiles.get(mesh.name) ?? [], diagnostics);
    diagnostics.push(...validateIstioResources(rs));
    // One object per identity: Istio API versions of a kind are the same resource.
    const seen = new Map<string, (typeof rs)[number]>();
    for (const r of rs) {
      const slash = r.apiVersion.indexOf("/");
      const group = slash >= 0 ? r.apiVersion.slice(0, slash) : r.apiVersion;
      const key = `${group.endsWith("istio.io") ? group : r.apiVersion}/${r.kind}/${r.namespace}/${r.name}`;
      const prev = seen.get(key);
      if (prev) {
        diagnostics.push(diagnostic("MF3103", { message: `${r.file}:${r.line}: ${r.kind} ${r.namespace}/${r.name} is also defined at ${prev.file}:${prev.line}`, fix: "Keep one definition of each resource.", position: { file: r.file, line: r.line, column: 1 } }));
      } else seen.set(key, r);
    }
    resources.set(mesh.name, rs);
  }
  if (diagnostics.length > 0) return { diagnostics };
  return { scenario: { meshes, probes, ...(expectExposure ? { expectExposure } : {}), resources }, diagnostics };
}

/** Parses multi-document YAML files of one mesh; `List` kinds are flattened. */
const FAILED = Symbol("failed");

function toResource(o: Record<string, any> & { kind: string; apiVersion: string }, metadata: Record<string, any> & { name: string }, file: string, line: number, text: string): Resource {
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

/** js-yaml with YAML 1.2 core types (no timestamps), or FAILED for anything it rejects. */
function jsYamlLoad(text: string): unknown {
  try {
    return jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return FAILED;
  }
}

/**
 * A document's value with YAML 1.2 core types: the fast parser for the block subset Istio
 * and Kubernetes files use, js-yaml (same values) for anything else; FAILED on a syntax error.
 */
function fastLoad(text: string): unknown {
  const doc = parseYamlDocument(text);
  return doc ? doc.value : jsYamlLoad(text);
}

/**
 * The fast path for one mesh file: documents split on `---` lines and parsed without
 * positions. Returns undefined when anything needs the `yaml` library's positions (a syntax
 * error, a List, a document that is not a plain object with apiVersion, kind and
 * metadata.name); the caller then takes the slow path, which reports exact positions.
 */
function fastResources(file: string, text: string): Resource[] | undefined {
  const docs = parseYamlStream(text);
  if (!docs) return undefined;
  const out: Resource[] = [];
  for (const d of docs) {
    if (d.empty) continue;
    const o = d.ok ? d.value : jsYamlLoad(text.slice(d.start, d.end));
    if (o === null || o === undefined) continue;
    if (o === FAILED || !isRecord(o)) return undefined;
    if (!o.kind && !o.apiVersion) continue;
    if (typeof o.kind !== "string" || typeof o.apiVersion !== "string" || !o.kind || !o.apiVersion || o.kind.endsWith("List")) return undefined;
    const metadata = isRecord(o.metadata) ? o.metadata : {};
    if (typeof metadata.name !== "string" || !metadata.name) return undefined;
    if (ignoredKinds.has(o.kind)) continue;
    out.push(toResource(o as Record<string, any> & { kind: string; apiVersion: string }, metadata as Record<string, any> & { name: string }, file, d.line, text.slice(d.start, d.end)));
  }
  return out;
}

export function parseMeshFiles(files: readonly SourceFile[], diagnostics: Diagnostic[]): Resource[] {
  const out: Resource[] = [];
  for (const { file, text } of files) {
    const fast = fastResources(file, text);
    if (fast) {
      out.push(...fast);
      continue;
    }
    const yaml = yamlLib();
    const lc = new yaml.LineCounter();
    const docs = yaml.parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
    const list = Array.isArray(docs) ? docs : [];
    for (const d of list) {
      const pos = (n: Node | null | undefined) => lc.linePos(n?.range?.[0] ?? d.range?.[0] ?? 0);
      if (d.errors.length > 0) {
        const e = d.errors[0]!;
        const p = lc.linePos(e.pos[0]);
        diagnostics.push(diagnostic("MF3102", { message: `${file}: ${e.message.split("\n")[0]}`, fix: "Fix the YAML syntax at the position shown.", position: { file, line: p.line, column: p.col } }));
        continue;
      }
      let obj: unknown;
      try {
        obj = d.toJS() as unknown;
      } catch (err) {
        const p = pos(d.contents);
        diagnostics.push(diagnostic("MF3102", { message: `${file}: ${(err as Error).message.split("\n")[0]}`, fix: "Fix the YAML at the position shown (a value starting with `*` is an alias; quote it).", position: { file, line: p.line, column: p.col } }));
        continue;
      }
      if (obj === null || obj === undefined) continue;
      const docText = d.range ? text.slice(d.range[0], d.range[2]) : "";
      const addOne = (o: unknown, node: Node | null | undefined, txt: string) => {
        const p = pos(node);
        const position = { file, line: p.line, column: p.col };
        if (!isRecord(o)) {
          diagnostics.push(diagnostic("MF3103", { message: `${file}:${p.line}: a resource is a mapping with apiVersion and kind`, fix: "Write one Kubernetes object per document.", position }));
          return;
        }
        if (!o.kind && !o.apiVersion) return;
        if (typeof o.kind !== "string" || typeof o.apiVersion !== "string" || !o.kind || !o.apiVersion) {
          diagnostics.push(diagnostic("MF3103", { message: `${file}:${p.line}: apiVersion and kind are required`, fix: "Add apiVersion and kind.", position }));
          return;
        }
        if (o.kind === "List" || o.kind.endsWith("List")) {
          const itemsNode = yaml.isMap(node) ? (node.get("items", true) as Node | undefined) : undefined;
          const items = Array.isArray(o.items) ? o.items : [];
          items.forEach((item: unknown, i: number) => {
            const itemNode = yaml.isSeq(itemsNode) ? (itemsNode.items[i] as Node | undefined) : undefined;
            const itemText = itemNode?.range ? text.slice(itemNode.range[0], itemNode.range[2]) : "";
            addOne(item, itemNode ?? node, itemText);
          });
          return;
        }
        const metadata = isRecord(o.metadata) ? o.metadata : {};
        if (typeof metadata.name !== "string" || !metadata.name) {
          diagnostics.push(diagnostic("MF3103", { message: `${file}:${p.line}: ${o.kind} has no metadata.name`, fix: "Set metadata.name.", position }));
          return;
        }
        if (ignoredKinds.has(o.kind)) return;
        out.push(toResource(o as Record<string, any> & { kind: string; apiVersion: string }, metadata as Record<string, any> & { name: string }, file, p.line, txt));
      };
      addOne(obj, d.contents, docText);
    }
  }
  return out;
}
