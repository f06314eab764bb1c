import { didYouMean } from "../model/suggest.js";
import type { Export, Federation } from "../model/types.js";
import type { ProbeSpec } from "../verify/types.js";

/**
 * The concrete change to the federation file that would turn a call's verdict around: for a
 * denied call what to add or which host to dial, for an allowed one which consumer to remove.
 * Pure: works on the model and the probe only.
 */
export interface SuggestedChange {
  /** What the change does. */
  readonly kind: "add-consumer" | "use-host" | "use-port" | "remove-consumer" | "outside-the-file";
  /** One line a person reads: "add vault/neighbour as a consumer of production/db/postgres". */
  readonly summary: string;
  /** Where in the federation file, when the change is an edit there. */
  readonly at: { readonly file: string; readonly line: number; readonly path: string } | null;
  /** The YAML lines to add (or remove), indented as they go in the file; empty when the change is not an edit. */
  readonly yaml: readonly string[];
}

const ref = (e: Export) => `${e.mesh}/${e.namespace}/${e.name}`;
const defaultAlias = (f: Federation, e: Export) => `${e.name}.${e.namespace}.${e.mesh}.${f.importDomain}`;

/** Every host name that plausibly means this export: its aliases and its Service's own names. */
function namesOf(f: Federation, e: Export): Set<string> {
  const domain = f.meshes.find((m) => m.name === e.mesh)?.clusterDomain ?? "cluster.local";
  return new Set([
    defaultAlias(f, e),
    ...e.consumers.map((c) => c.alias),
    `${e.name}.${e.namespace}.svc.${domain}`,
    `${e.name}.${e.namespace}.svc`,
    `${e.name}.${e.namespace}`,
  ]);
}

/** The alias under which a namespace imports an export (one per namespace, MF1030), if it does. */
function aliasIn(e: Export, mesh: string, namespace: string): string | undefined {
  return e.consumers.find((c) => c.principal.mesh === mesh && c.principal.namespace === namespace)?.alias;
}

function positionOf(f: Federation, path: string): { file: string; line: number; column: number } | undefined {
  const p = f.sourceMap?.values.get(path) ?? f.sourceMap?.keys.get(path);
  return p ? { file: p.file, line: p.line, column: p.column } : undefined;
}

function addConsumer(f: Federation, e: Export, probe: ProbeSpec): SuggestedChange {
  const { mesh, namespace, serviceAccount } = probe.from;
  const principal = `${mesh}/${namespace}/${serviceAccount}`;
  // A namespace imports an export under one alias: a second consumer there must repeat it.
  const existing = aliasIn(e, mesh, namespace);
  const alias = existing !== undefined && existing !== defaultAlias(f, e) ? existing : undefined;
  const path = `spec.exports[${e.index}].consumers`;
  const last = e.consumers.at(-1);
  const lastPos = last ? positionOf(f, `${path}[${last.index}]`) : undefined;
  const listPos = positionOf(f, path);
  // Items go where the list's items are; a new list item under the key otherwise.
  const indent = lastPos
    ? " ".repeat(Math.max(0, lastPos.column - 3))
    : " ".repeat(Math.max(0, (positionOf(f, `spec.exports[${e.index}].service`)?.column ?? 7) - 1));
  // A flow list (`consumers: [...]`, or `[]`) starts on its key's line: the entry goes inside it.
  const keyLine = f.sourceMap?.keys.get(path)?.line;
  const flow = keyLine !== undefined && listPos?.line === keyLine;
  const yaml = flow
    ? [`{principal: ${principal}${alias ? `, alias: ${alias}` : ""}}`]
    : [`${indent}- principal: ${principal}`, ...(alias ? [`${indent}  alias: ${alias}`] : [])];
  const lastLine = lastPos ? Math.max(lastPos.line, last?.alias !== undefined ? (positionOf(f, `${path}[${last.index}].alias`)?.line ?? 0) : 0) : undefined;
  const line = flow ? keyLine : (lastLine ?? listPos?.line);
  const dial = alias ?? existing ?? defaultAlias(f, e);
  return {
    kind: "add-consumer",
    summary: `add ${namespace}/${serviceAccount} as a consumer of ${ref(e)}${probe.to.host === dial ? "" : `, then dial ${dial}:${probe.to.port}`}`,
    at: line !== undefined && f.sourceMap ? { file: f.sourceMap.file, line, path } : null,
    yaml,
  };
}

function removeConsumer(f: Federation, e: Export, probe: ProbeSpec): SuggestedChange {
  const { mesh, namespace, serviceAccount } = probe.from;
  const consumer = e.consumers.find((c) => c.principal.mesh === mesh && c.principal.namespace === namespace && c.principal.serviceAccount === serviceAccount);
  const path = `spec.exports[${e.index}].consumers[${consumer?.index ?? 0}]`;
  const pos = positionOf(f, path);
  const alone = e.consumers.length === 1;
  const indent = " ".repeat(Math.max(0, (pos?.column ?? 3) - 3));
  return {
    kind: "remove-consumer",
    summary: `remove ${namespace}/${serviceAccount} from the consumers of ${ref(e)}${alone ? " (its only consumer: remove the export)" : ""}`,
    at: pos && f.sourceMap ? { file: f.sourceMap.file, line: pos.line, path } : null,
    yaml: [
      `${indent}- principal: ${mesh}/${namespace}/${serviceAccount}`,
      ...(consumer && f.sourceMap?.values.has(`${path}.alias`) ? [`${indent}  alias: ${consumer.alias}`] : []),
    ],
  };
}

/**
 * The change that would allow a denied call or deny an allowed one, read from the federation
 * file; `null` when the model says nothing about the call (then the resources, not the file,
 * decide it).
 */
export function suggestChange(f: Federation, probe: ProbeSpec, verdict: "allow" | "deny"): SuggestedChange | null {
  const { mesh, namespace } = probe.from;
  const host = probe.to.host.toLowerCase().replace(/\.$/, "");
  const target = f.exports.find((e) => namesOf(f, e).has(host));
  const imported = f.exports.flatMap((e) => {
    const alias = aliasIn(e, mesh, namespace);
    return alias ? [{ e, alias }] : [];
  });
  if (verdict === "allow") {
    const allowed = target ?? imported.find((i) => i.alias === host)?.e;
    return allowed ? removeConsumer(f, allowed, probe) : null;
  }
  if (target === undefined) {
    // A host no export goes by: the nearest alias this namespace imports.
    const guess = didYouMean(
      host,
      imported.map((i) => i.alias),
    );
    if (guess !== undefined) {
      return { kind: "use-host", summary: `did you mean ${guess}:${probe.to.port}?`, at: null, yaml: [] };
    }
    const known = imported.map((i) => `${i.alias}:${i.e.ports.map((p) => p.number).join(",")}`);
    return {
      kind: "use-host",
      summary:
        known.length > 0
          ? `${namespace} in ${mesh} imports ${known.join(", ")}; ${probe.to.host} is none of them`
          : `${probe.to.host} is no export of the federation, and ${namespace} in ${mesh} imports nothing: export the service to ${mesh}/${namespace}/${probe.from.serviceAccount}`,
      at: null,
      yaml: [],
    };
  }
  const isConsumer = target.consumers.some(
    (c) => c.principal.mesh === mesh && c.principal.namespace === namespace && c.principal.serviceAccount === probe.from.serviceAccount,
  );
  if (!isConsumer) return addConsumer(f, target, probe);
  const alias = aliasIn(target, mesh, namespace)!;
  if (host !== alias) return { kind: "use-host", summary: `did you mean ${alias}:${probe.to.port}?`, at: null, yaml: [] };
  const ports = target.ports.map((p) => p.number);
  if (!ports.includes(probe.to.port)) {
    const summary = ports.length === 1 ? `did you mean ${alias}:${ports[0]}?` : `${ref(target)} exports ports ${ports.join(", ")}; dial one of them`;
    return { kind: "use-port", summary, at: null, yaml: [] };
  }
  return {
    kind: "outside-the-file",
    summary: `the federation file allows this call: the resources differ from its render (render it again and apply it, or run meshfed verify --model ${f.sourceMap?.file ?? "FILE"} on them)`,
    at: null,
    yaml: [],
  };
}
