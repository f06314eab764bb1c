import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../util/compare.js";
import { readYamlStream } from "../verify/yaml/read-yaml.js";

/*
 * What applying a new render does to meshes that run a previous one: both are `render --out`
 * trees (path → text), the new one built in memory. Pure: the CLI reads the previous tree.
 *
 * The rollout order follows what each side needs first. An exporter must expose (and guard) a
 * service before a consumer dials it, and a consumer must stop dialling before the exporter
 * stops exposing; install settings (trust domains, DNS capture) must be live before the
 * resources that rely on them, and settings no longer needed go last, by hand, since meshfed
 * writes them into files the user merges into their own Istio install.
 */

/** A resource, as `Kind namespace/name`. */
export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ChangedResource extends ResourceRef {
  /** The fields that differ, e.g. `spec.rules`. */
  readonly fields: readonly string[];
  /**
   * `narrows` when the new resource only drops values (a principal, a host), so it is rolled out
   * with the removals; `widens` when it only adds; `changes` otherwise (rolled out with additions).
   */
  readonly direction: "widens" | "narrows" | "changes";
}

/** One install setting, a leaf of an install file: `meshConfig.trustDomain = x`; list items as `path[]`. */
export interface InstallSetting {
  /** The install file under `<mesh>/install/`. */
  readonly file: string;
  readonly path: string;
  readonly value: string;
}

export interface ChangedSetting {
  readonly file: string;
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

/** Workloads to restart for an install change to reach them. */
export interface Restart {
  readonly namespace: string;
  readonly reason: string;
  /** With scoped DNS capture: the service accounts of the workloads to annotate before the restart. */
  readonly serviceAccounts?: readonly string[];
  /** The pod-template annotation to set first (`key: value`), with scoped DNS capture. */
  readonly annotation?: string;
}

export interface MeshChange {
  readonly mesh: string;
  /** `added`: not in the previous render; `removed`: only there. */
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly resources: { readonly added: readonly ResourceRef[]; readonly changed: readonly ChangedResource[]; readonly removed: readonly ResourceRef[] };
  readonly install: { readonly added: readonly InstallSetting[]; readonly changed: readonly ChangedSetting[]; readonly removed: readonly InstallSetting[] };
  readonly restarts: readonly Restart[];
}

/** One step of the rollout, in order. */
export interface RolloutStep {
  readonly step: number;
  readonly mesh: string;
  readonly action: "install" | "apply" | "restart" | "delete" | "remove-install-settings";
  /** What the step does, one line. */
  readonly summary: string;
  /** The resources, settings or namespaces it concerns, one line each. */
  readonly items: readonly string[];
}

export interface PlanChange {
  readonly federation: string;
  readonly against: string;
  readonly changed: boolean;
  readonly meshes: readonly MeshChange[];
  readonly rollout: readonly RolloutStep[];
}

/** Kinds applied on the exporting side (policy before exposure, as `apply` orders them). */
const EXPORTER_KINDS = ["PeerAuthentication", "AuthorizationPolicy", "Gateway"];
/** Kinds applied on the consuming side. */
const CONSUMER_KINDS = ["ServiceEntry", "DestinationRule"];

const INSTALL_DIR = "install/";
const DNS_CAPTURE = "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE";
/** render --out's file for scoped DNS capture (dnsCapture: namespaces): the annotation and the consumer workloads. */
const DNS_FILE = "dns-capture.yaml";

/** The consumer workloads of a dns-capture.yaml, as namespace → service accounts, and its annotation. */
function dnsWorkloads(install: ReadonlyMap<string, unknown> | undefined): { annotation?: string; byNamespace: Map<string, Set<string>> } {
  const doc = install?.get(DNS_FILE) as { podTemplateAnnotations?: Record<string, unknown>; workloads?: unknown } | undefined;
  const byNamespace = new Map<string, Set<string>>();
  for (const w of Array.isArray(doc?.workloads) ? doc.workloads : []) {
    const ns = typeof w?.namespace === "string" ? w.namespace : undefined;
    if (!ns) continue;
    const set = byNamespace.get(ns) ?? new Set<string>();
    for (const sa of Array.isArray(w?.serviceAccounts) ? w.serviceAccounts : []) set.add(String(sa));
    byNamespace.set(ns, set);
  }
  const ann = doc?.podTemplateAnnotations;
  const entry = ann && typeof ann === "object" ? Object.entries(ann)[0] : undefined;
  return { ...(entry ? { annotation: `${entry[0]}: '${String(entry[1])}'` } : {}), byNamespace };
}

interface ReadTree {
  readonly meshes: Map<string, { resources: Map<string, { ref: ResourceRef; value: unknown }>; install: Map<string, unknown> }>;
  readonly diagnostics: Diagnostic[];
}

const refKey = (r: ResourceRef) => `${r.kind}/${r.namespace}/${r.name}`;
export const formatRef = (r: ResourceRef) => `${r.kind} ${r.namespace}/${r.name}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a render tree: per mesh directory, its resources (by kind/namespace/name) and its install files. */
function readTree(files: ReadonlyMap<string, string>, label: string): ReadTree {
  const meshes: ReadTree["meshes"] = new Map();
  const diagnostics: Diagnostic[] = [];
  const meshDirs = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split("/");
    if (parts.length === 2 && (parts[1] === ".meshfed-manifest" || parts[1] === "kustomization.yaml")) meshDirs.add(parts[0]!);
  }
  for (const mesh of meshDirs) meshes.set(mesh, { resources: new Map(), install: new Map() });
  for (const [path, text] of files) {
    const slash = path.indexOf("/");
    const mesh = meshes.get(path.slice(0, slash));
    const rest = path.slice(slash + 1);
    if (!mesh || !/\.ya?ml$/.test(rest) || rest === "kustomization.yaml") continue;
    const stream = readYamlStream(text);
    const shown = `${label}/${path}`;
    for (const p of stream.problems)
      diagnostics.push(diagnostic("MF2010", { file: shown, line: p.line, problem: p.message }, { position: { file: shown, line: p.line, column: p.column } }));
    if (rest.startsWith(INSTALL_DIR)) {
      mesh.install.set(rest.slice(INSTALL_DIR.length), stream.documents[0]?.value ?? {});
      continue;
    }
    for (const doc of stream.documents) {
      const v = doc.value;
      const meta = isObject(v) ? v.metadata : undefined;
      if (!isObject(v) || typeof v.kind !== "string" || !isObject(meta) || typeof meta.name !== "string") {
        diagnostics.push(
          diagnostic(
            "MF2010",
            { file: shown, line: doc.line, problem: "not a Kubernetes object (kind and metadata.name)" },
            { position: { file: shown, line: doc.line, column: 1 } },
          ),
        );
        continue;
      }
      const ref = { kind: v.kind, namespace: typeof meta.namespace === "string" ? meta.namespace : "", name: meta.name };
      mesh.resources.set(refKey(ref), { ref, value: v });
    }
  }
  return { meshes, diagnostics };
}

/** The fields where two values differ, down to `depth` levels of mappings (`spec.rules`). */
function differingFields(a: unknown, b: unknown, path: string, depth: number): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (depth === 0 || !isObject(a) || !isObject(b)) return [path];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings);
  return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k, depth - 1));
}

/** Leaves of an install file as `path = value`; list items flattened under `path[]` so adding one item is one added setting. */
function leaves(value: unknown, path: string, out: Map<string, string[]>): void {
  if (Array.isArray(value)) {
    for (const item of value) leaves(item, `${path}[]`, out);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, [...(out.get(path) ?? []), typeof value === "string" ? value : JSON.stringify(value)]);
  }
}

/** Whether `after` holds only values `before` has (narrows), only adds to them (widens), or neither. */
function direction(before: unknown, after: unknown): ChangedResource["direction"] {
  const flat = (v: unknown) => {
    const m = new Map<string, string[]>();
    leaves(v, "", m);
    return [...m].flatMap(([k, vs]) => vs.map((x) => `${k}=${x}`));
  };
  const a = flat(before);
  const b = flat(after);
  const within = (xs: string[], ys: string[]) => {
    const pool = [...ys];
    return xs.every((x) => {
      const i = pool.indexOf(x);
      if (i < 0) return false;
      pool.splice(i, 1);
      return true;
    });
  };
  return within(b, a) ? "narrows" : within(a, b) ? "widens" : "changes";
}

function installDiff(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): MeshChange["install"] {
  const added: InstallSetting[] = [];
  const removed: InstallSetting[] = [];
  const changed: ChangedSetting[] = [];
  // The IstioOperator overlay repeats the Helm values for istioctl users: one of the two is
  // reported (the Helm values), or the overlay alone when a mesh has only that.
  const files = [...new Set([...before.keys(), ...after.keys()])]
    .filter((f) => f !== "istio-operator.yaml" || !(before.has("istiod-values.yaml") || after.has("istiod-values.yaml")))
    // Scoped DNS capture is a pod annotation, not an install setting: planned as restarts.
    .filter((f) => f !== DNS_FILE)
    .sort(compareStrings);
  for (const file of files) {
    const a = new Map<string, string[]>();
    const b = new Map<string, string[]>();
    if (before.has(file)) leaves(before.get(file), "", a);
    if (after.has(file)) leaves(after.get(file), "", b);
    for (const path of [...new Set([...a.keys(), ...b.keys()])].sort(compareStrings)) {
      const was = a.get(path) ?? [];
      const now = b.get(path) ?? [];
      const gone = was.filter((v) => !now.includes(v));
      const come = now.filter((v) => !was.includes(v));
      // A single value replaced by another is a change, not one removal and one addition.
      if (gone.length === 1 && come.length === 1 && was.length === 1 && now.length === 1) {
        changed.push({ file, path, from: gone[0]!, to: come[0]! });
        continue;
      }
      for (const value of gone) removed.push({ file, path, value });
      for (const value of come) added.push({ file, path, value });
    }
  }
  return { added, changed, removed };
}

const kindRank = (kind: string, order: readonly string[]) => {
  const i = order.indexOf(kind);
  return i < 0 ? order.length : i;
};

function sortRefs<T extends ResourceRef>(refs: T[], order: readonly string[]): T[] {
  return refs.sort((x, y) => kindRank(x.kind, order) - kindRank(y.kind, order) || compareStrings(refKey(x), refKey(y)));
}

const settingLine = (s: InstallSetting) => `${s.file}: ${s.path} = ${s.value}`;

/**
 * Compares a new render (`render --out` layout, in memory) with a previous one and orders the
 * rollout.
 *
 * @param next the new tree, path → text, as `layoutFiles` builds it
 * @param previous the previous tree read from disk, the same layout
 * @param against how to name the previous tree in messages
 * @param importsByMesh namespaces that import a service in the new render, per mesh (whose workloads a DNS capture change reaches)
 */
export function planChange(
  federation: string,
  next: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string>,
  against: string,
  importsByMesh: ReadonlyMap<string, readonly string[]>,
): { plan?: PlanChange; diagnostics: Diagnostic[] } {
  const before = readTree(previous, against);
  if (before.meshes.size === 0) return { diagnostics: [diagnostic("MF2011", { dir: against })] };
  if (before.diagnostics.length > 0) return { diagnostics: before.diagnostics };
  const after = readTree(next, "render");
  const names = [...new Set([...after.meshes.keys(), ...before.meshes.keys()])].sort(compareStrings);
  const meshes: MeshChange[] = names.map((mesh) => {
    const a = before.meshes.get(mesh);
    const b = after.meshes.get(mesh);
    const ra = a?.resources ?? new Map();
    const rb = b?.resources ?? new Map();
    const added = sortRefs(
      [...rb.entries()].filter(([k]) => !ra.has(k)).map(([, r]) => r.ref),
      [...EXPORTER_KINDS, ...CONSUMER_KINDS],
    );
    const removed = sortRefs(
      [...ra.entries()].filter(([k]) => !rb.has(k)).map(([, r]) => r.ref),
      [...CONSUMER_KINDS, ...[...EXPORTER_KINDS].reverse()],
    );
    const changed = sortRefs(
      [...rb.entries()].flatMap(([k, r]) => {
        const old = ra.get(k);
        if (!old) return [];
        const fields = differingFields(old.value, r.value, "", 2);
        return fields.length > 0 ? [{ ...r.ref, fields, direction: direction(old.value, r.value) }] : [];
      }),
      [...EXPORTER_KINDS, ...CONSUMER_KINDS],
    );
    const install = installDiff(a?.install ?? new Map(), b?.install ?? new Map());
    // Proxy metadata reaches a sidecar as environment at injection
    // (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml:357), and the
    // agent reads ISTIO_META_DNS_CAPTURE once at start (pilot/cmd/pilot-agent/options/options.go:106):
    // running pods keep resolving without the imported hosts until they are restarted.
    const dnsOn = install.added.some((s) => s.path === DNS_CAPTURE && s.value === "true");
    const restarts: Restart[] = dnsOn
      ? (importsByMesh.get(mesh) ?? []).map((namespace) => ({
          namespace,
          reason: "DNS capture turned on: only pods started after the install change resolve the imported hosts",
        }))
      : [];
    // Scoped DNS capture: consumer workloads that are new in dns-capture.yaml get the annotation,
    // which the injector reads when a pod is created: annotate the pod template, then restart.
    const dnsBefore = dnsWorkloads(a?.install);
    const dnsAfter = dnsWorkloads(b?.install);
    if (!dnsOn)
      for (const [namespace, accounts] of dnsAfter.byNamespace) {
        const fresh = [...accounts].filter((sa) => !dnsBefore.byNamespace.get(namespace)?.has(sa)).sort(compareStrings);
        if (fresh.length === 0) continue;
        restarts.push({
          namespace,
          serviceAccounts: fresh,
          ...(dnsAfter.annotation ? { annotation: dnsAfter.annotation } : {}),
          reason: "DNS capture for imported hosts (dnsCapture: namespaces): the sidecar reads the pod annotation when the pod starts",
        });
      }
    const empty =
      added.length + removed.length + changed.length + install.added.length + install.removed.length + install.changed.length + restarts.length === 0;
    return {
      mesh,
      status: !a ? "added" : !b ? "removed" : empty ? "unchanged" : "changed",
      resources: { added, changed, removed },
      install,
      restarts,
    };
  });
  return { plan: { federation, against, changed: meshes.some((m) => m.status !== "unchanged"), meshes, rollout: rolloutOrder(meshes) }, diagnostics: [] };
}

function rolloutOrder(meshes: readonly MeshChange[]): RolloutStep[] {
  const steps: Omit<RolloutStep, "step">[] = [];
  const side = (refs: readonly ResourceRef[], kinds: readonly string[], exporter: boolean) =>
    refs.filter((r) => (exporter ? !CONSUMER_KINDS.includes(r.kind) : kinds.includes(r.kind)));
  // 1. Install settings that are new or changed: trust domains and DNS capture must be live first.
  for (const m of meshes) {
    const items = [...m.install.added.map((s) => `+ ${settingLine(s)}`), ...m.install.changed.map((s) => `~ ${s.file}: ${s.path} = ${s.to} (was ${s.from})`)];
    if (items.length > 0)
      steps.push({
        mesh: m.mesh,
        action: "install",
        summary: "merge the new install settings into the mesh's Istio install and upgrade it (istioctl install or helm upgrade)",
        items,
      });
  }
  // 2. Exporters expose (policy before exposure); 3. consumers import, then restart for DNS capture.
  for (const exporter of [true, false]) {
    for (const m of meshes) {
      const items = [
        ...side(m.resources.added, CONSUMER_KINDS, exporter).map((r) => `+ ${formatRef(r)}`),
        ...(side(m.resources.changed, CONSUMER_KINDS, exporter) as ChangedResource[])
          .filter((r) => r.direction !== "narrows")
          .map((r) => `~ ${formatRef(r)} (${r.fields.join(", ")})`),
      ];
      if (items.length > 0) {
        steps.push({
          mesh: m.mesh,
          action: "apply",
          summary: exporter ? "apply the exporting side (policy before exposure): meshfed apply, or the mesh's directory" : "apply the consuming side",
          items,
        });
      }
      if (!exporter && m.restarts.length > 0) {
        steps.push({
          mesh: m.mesh,
          action: "restart",
          summary: `restart the workloads of the importing namespaces (${m.restarts[0]!.reason})`,
          items: m.restarts.map((r) =>
            r.serviceAccounts
              ? `in ${r.namespace}, on the pod template of each workload running as ${r.serviceAccounts.join(", ")} set ${r.annotation ?? "the DNS capture annotation"}, then: kubectl --context <${m.mesh}> -n ${r.namespace} rollout restart deployment/NAME`
              : `kubectl --context <${m.mesh}> rollout restart deployment,statefulset,daemonset -n ${r.namespace}`,
          ),
        });
      }
    }
  }
  // 4. Consumers stop importing before 5. exporters stop exposing.
  for (const exporter of [false, true]) {
    for (const m of meshes) {
      const items = [
        ...(side(m.resources.changed, CONSUMER_KINDS, exporter) as ChangedResource[])
          .filter((r) => r.direction === "narrows")
          .map((r) => `~ ${formatRef(r)} (${r.fields.join(", ")}, narrowed)`),
        ...side(m.resources.removed, CONSUMER_KINDS, exporter).map((r) => `- ${formatRef(r)}`),
      ];
      if (items.length > 0) {
        steps.push({
          mesh: m.mesh,
          action: "delete",
          summary: exporter
            ? "narrow and delete on the exporting side (exposure before policy): meshfed apply --prune"
            : "narrow and delete the imports no longer wanted: meshfed apply --prune",
          items,
        });
      }
    }
  }
  // 6. Settings meshfed no longer writes stay in the user's install until removed there.
  for (const m of meshes) {
    const items = m.install.removed.map((s) => `- ${settingLine(s)}`);
    if (items.length > 0) {
      steps.push({
        mesh: m.mesh,
        action: "remove-install-settings",
        summary:
          "remove these settings by hand from the Istio install you merged them into, then upgrade it (meshfed no longer writes them, and nothing else removes them)",
        items,
      });
    }
  }
  return steps.map((s, i) => ({ step: i + 1, ...s }));
}

/** The plan as text for a terminal. */
export function formatPlanChange(plan: PlanChange): string {
  const lines = [`Federation ${plan.federation} against ${plan.against}: ${plan.changed ? "changes" : "no change"}`];
  for (const m of plan.meshes) {
    lines.push("", `mesh ${m.mesh}: ${m.status === "added" ? "new mesh" : m.status === "removed" ? "no longer in the federation" : m.status}`);
    if (m.status === "unchanged") continue;
    const r = m.resources;
    lines.push(`  resources: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`);
    for (const x of r.added) lines.push(`    + ${formatRef(x)}`);
    for (const x of r.changed) lines.push(`    ~ ${formatRef(x)} (${x.fields.join(", ")}; ${x.direction})`);
    for (const x of r.removed) lines.push(`    - ${formatRef(x)}`);
    const s = m.install;
    lines.push(
      `  install settings: ${s.added.length} added, ${s.changed.length} changed, ${s.removed.length} removed${s.removed.length > 0 ? " (remove them by hand)" : ""}`,
    );
    for (const x of s.added) lines.push(`    + ${settingLine(x)}`);
    for (const x of s.changed) lines.push(`    ~ ${x.file}: ${x.path} = ${x.to} (was ${x.from})`);
    for (const x of s.removed) lines.push(`    - ${settingLine(x)}`);
    for (const x of m.restarts)
      lines.push(`  restart: workloads in ${x.namespace}${x.serviceAccounts ? ` running as ${x.serviceAccounts.join(", ")}` : ""} (${x.reason})`);
  }
  if (plan.rollout.length > 0) {
    lines.push("", "Rollout order:");
    for (const step of plan.rollout) {
      lines.push(`  ${step.step}. ${step.mesh}: ${step.summary}`);
      for (const item of step.items) lines.push(`       ${item}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const mdCode = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The plan as Markdown, for a pull-request comment. */
export function formatPlanChangeMarkdown(plan: PlanChange): string {
  const lines = [`### meshfed plan: ${mdCode(plan.federation)} against ${mdCode(plan.against)}`, ""];
  if (!plan.changed) return `${[...lines, "No change: the render equals the previous one."].join("\n")}\n`;
  lines.push("| mesh | status | resources +/~/- | install settings +/~/- | restarts |", "|---|---|---|---|---|");
  for (const m of plan.meshes) {
    const r = m.resources;
    const s = m.install;
    lines.push(
      `| ${m.mesh} | ${m.status} | ${r.added.length} / ${r.changed.length} / ${r.removed.length} | ${s.added.length} / ${s.changed.length} / ${s.removed.length} | ${m.restarts.map((x) => x.namespace).join(", ") || "none"} |`,
    );
  }
  for (const m of plan.meshes) {
    if (m.status === "unchanged") continue;
    lines.push("", `#### ${m.mesh}`, "");
    for (const x of m.resources.added) lines.push(`- added ${mdCode(formatRef(x))}`);
    for (const x of m.resources.changed) lines.push(`- changed ${mdCode(formatRef(x))} (${x.direction}): ${x.fields.map(mdCode).join(", ")}`);
    for (const x of m.resources.removed) lines.push(`- removed ${mdCode(formatRef(x))}`);
    for (const x of m.install.added) lines.push(`- install setting added: ${mdCode(settingLine(x))}`);
    for (const x of m.install.changed) lines.push(`- install setting changed: ${mdCode(`${x.file}: ${x.path}`)} ${mdCode(x.from)} → ${mdCode(x.to)}`);
    for (const x of m.install.removed) lines.push(`- **install setting to remove by hand**: ${mdCode(settingLine(x))}`);
  }
  lines.push("", "#### Rollout order", "");
  for (const step of plan.rollout) {
    lines.push(`${step.step}. **${step.mesh}**: ${step.summary}`);
    for (const item of step.items) lines.push(`   - ${mdCode(item)}`);
  }
  return `${lines.join("\n")}\n`;
}
