import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { SourceMap } from "../check-schema.js";
import { normalize } from "../parse-federation.js";
import type { FederationDocument } from "../schema.js";
import type { Federation } from "../types.js";
import { runRules } from "./index.js";

/*
 * Semantic rules over a federation that failed the schema, so that one `validate` run reports
 * both kinds of problem (a principal naming a mesh that does not exist is found next to a
 * misspelt field elsewhere). Rules only ever see well-typed data: a mesh, export or consumer
 * with a schema error is replaced by a placeholder whose strings hold a NUL character, which no
 * YAML scalar a user writes reaches here with (the schema formats refuse it), so no placeholder
 * equals a real value. Findings about a broken part, or that mention a placeholder, are dropped:
 * they would be guesses, and the schema error already points there.
 */

const PLACEHOLDER = "\u0000";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `path` is `prefix` or lies under it (`spec.meshes[1]` holds `spec.meshes[1].name`, not `spec.meshes[10]`). */
function within(path: string, prefix: string): boolean {
  if (prefix === "") return true;
  return path === prefix || (path.startsWith(prefix) && (path[prefix.length] === "." || path[prefix.length] === "["));
}

/**
 * Runs the semantic rules on the well-formed parts of a federation the schema walk reported
 * errors for, and returns their findings about those parts only.
 *
 * @param value the walker's output: fields that failed are absent, list indices are kept
 * @param sourceMap positions from the same walk
 * @param schemaDiagnostics what the walk reported
 */
export function rulesOnWellFormedParts(value: unknown, sourceMap: SourceMap, schemaDiagnostics: readonly Diagnostic[]): Diagnostic[] {
  const broken = schemaDiagnostics.filter((d) => d.severity === "error").map((d) => d.path ?? "");
  // Without the list of meshes every reference would read as naming an undeclared mesh.
  if (broken.includes("") || !isObject(value) || !isObject(value.spec) || !Array.isArray(value.spec.meshes)) return [];
  const isBroken = (prefix: string) => broken.some((p) => within(p, prefix));
  const tainted = new Set(broken);
  const placeholderPorts: number[] = [];
  const spec = value.spec;

  const meshes = (Array.isArray(spec.meshes) ? spec.meshes : []).map((m: unknown, i) => {
    const path = `spec.meshes[${i}]`;
    if (isObject(m) && !isBroken(path)) return m;
    tainted.add(path);
    const name = isObject(m) && typeof m.name === "string" && !isBroken(`${path}.name`) ? m.name : `${PLACEHOLDER}mesh-${i}`;
    // The name stays when it is well-formed, so exports and consumers that name this mesh are
    // not reported as naming an undeclared one; everything else about the mesh is unknown.
    return {
      name,
      trustDomain: `${PLACEHOLDER}trust-domain-${i}`,
      clusterName: `${PLACEHOLDER}cluster-${i}`,
      network: `${PLACEHOLDER}network-${i}`,
      clusterDomain: `${PLACEHOLDER}cluster-domain-${i}`,
    };
  });

  const exports = (Array.isArray(spec.exports) ? spec.exports : []).map((e: unknown, j) => {
    const path = `spec.exports[${j}]`;
    const consumersPath = `${path}.consumers`;
    const portsPath = `${path}.ports`;
    const accountPath = `${path}.serviceAccount`;
    const inItem = (p: string, list: string) => within(p, list) && p !== list;
    // A broken consumer, port or service account spoils only itself; anything else broken
    // (the service, the selector, a list that is not one) spoils the export.
    const ownProblem = broken.some((p) => within(p, path) && !inItem(p, consumersPath) && !inItem(p, portsPath) && !within(p, accountPath));
    if (!isObject(e) || ownProblem || !Array.isArray(e.consumers) || !Array.isArray(e.ports)) {
      tainted.add(path);
      return { service: `${PLACEHOLDER}/${PLACEHOLDER}/export-${j}`, ports: [], consumers: [] };
    }
    // A negative number, unique to the port, equals no real port and no other placeholder.
    const ports = e.ports.map((port: unknown, i) => {
      const pPath = `${portsPath}[${i}]`;
      if (isObject(port) && !isBroken(pPath)) return port;
      tainted.add(pPath);
      const placeholder = -(j * 100_000 + i + 1);
      placeholderPorts.push(placeholder);
      return { number: placeholder, targetPort: placeholder };
    });
    if (isBroken(accountPath)) tainted.add(accountPath);
    const account = isBroken(accountPath) ? { serviceAccount: `${PLACEHOLDER}service-account-${j}` } : {};
    const consumers = e.consumers.map((c: unknown, k) => {
      const cPath = `${consumersPath}[${k}]`;
      if (isObject(c) && !isBroken(cPath)) return c;
      tainted.add(cPath);
      return { principal: `${PLACEHOLDER}/${PLACEHOLDER}/consumer-${j}-${k}` };
    });
    return { ...e, ...account, ports, consumers };
  });

  const metadata = isObject(value.metadata) && typeof value.metadata.name === "string" ? value.metadata : { name: `${PLACEHOLDER}federation` };
  const patched: Json = { ...spec, meshes, exports };
  for (const field of ["importDomain", "vipRange"]) {
    if (isBroken(`spec.${field}`)) patched[field] = `${PLACEHOLDER}${field}`;
  }
  const whole = normalize({ ...value, metadata, spec: patched } as unknown as FederationDocument, sourceMap);
  // Placeholder exports and consumers leave the model (each keeps its index, so positions of
  // the others stay right); placeholder meshes stay, since rules address meshes by position.
  const federation: Federation = {
    ...whole,
    exports: whole.exports
      .filter((e) => !e.mesh.includes(PLACEHOLDER))
      .map((e) => ({ ...e, consumers: e.consumers.filter((c) => !c.principal.mesh.includes(PLACEHOLDER)) })),
  };
  const prefixes = [...tainted];
  return runRules(federation).filter(
    (d) =>
      !prefixes.some((p) => within(d.path ?? "", p)) &&
      !`${d.message}\n${d.fix}`.includes(PLACEHOLDER) &&
      !placeholderPorts.some((n) => `${d.message}\n${d.fix}\n${JSON.stringify(d.value ?? null)}`.includes(String(n))) &&
      !JSON.stringify(d.value ?? null).includes("\\u0000"),
  );
}
