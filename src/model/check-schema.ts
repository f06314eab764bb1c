import type { TSchema } from "@sinclair/typebox";
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import { diagnostic, type Diagnostic, type DiagnosticWhere, type SourcePosition } from "../diagnostics/diagnostic.js";
import { checkFormat, type FormatProblem } from "./formats.js";
import { didYouMean } from "./suggest.js";

/** Positions of every field in the document, keyed by JSON path (`spec.meshes[0].name`). */
export interface SourceMap {
  readonly file: string;
  /** Position of the value at a path. */
  readonly values: ReadonlyMap<string, SourcePosition>;
  /** Position of the key of the field at a path. */
  readonly keys: ReadonlyMap<string, SourcePosition>;
}

interface WalkContext {
  readonly file: string;
  readonly lineCounter: LineCounter;
  readonly diagnostics: Diagnostic[];
  readonly values: Map<string, SourcePosition>;
  readonly keys: Map<string, SourcePosition>;
}

/**
 * Walks a YAML node against the schema: records positions, reports wrong types, unknown and
 * missing fields, enum and format violations. Returns the plain value; fields that fail are
 * left out so later rules only see well-typed data.
 */
export function checkSchema(
  schema: TSchema,
  root: Node | null,
  file: string,
  lineCounter: LineCounter,
): { value: unknown; sourceMap: SourceMap; diagnostics: Diagnostic[] } {
  const ctx: WalkContext = { file, lineCounter, diagnostics: [], values: new Map(), keys: new Map() };
  const value = walk(schema, root, "", ctx);
  return { value, sourceMap: { file, values: ctx.values, keys: ctx.keys }, diagnostics: ctx.diagnostics };
}

function positionOf(node: { range?: [number, number, number] | null } | null | undefined, ctx: WalkContext) {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = ctx.lineCounter.linePos(offset);
  return { file: ctx.file, line, column: col };
}

function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "null";
    if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return "an unsupported YAML node";
}

function typeName(schema: TSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return (schema.anyOf as TSchema[]).map(typeName).join(" | ");
  switch (schema.type) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "integer":
      return "an integer";
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    default:
      return String(schema.type);
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** The diagnostic for a value that fails a schema format. */
function formatDiagnostic(problem: FormatProblem, field: string, value: string, where: DiagnosticWhere): Diagnostic {
  // Each problem carries the arguments of its own code; TypeScript cannot follow that through
  // the union, so one member stands for all of them here.
  const { code, args } = problem as Extract<FormatProblem, { code: "MF1025" }>;
  return diagnostic(code, { ...args, field, value }, where);
}

function wrongType(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): undefined {
  ctx.diagnostics.push(
    diagnostic("MF1002", { field: path || "the document", expected: typeName(schema), found: describe(node) }, { path, position: positionOf(node, ctx) }),
  );
  return undefined;
}

function walk(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  ctx.values.set(path, positionOf(node, ctx));
  if (schema.const !== undefined || schema.anyOf) return walkEnum(schema, node, path, ctx);
  switch (schema.type) {
    case "object":
      return schema.patternProperties ? walkRecord(schema, node, path, ctx) : walkObject(schema, node, path, ctx);
    case "array":
      return walkArray(schema, node, path, ctx);
    case "string":
      return walkString(schema, node, path, ctx);
    case "integer":
      return walkInteger(schema, node, path, ctx);
    default:
      throw new Error(`schema type ${String(schema.type)} not supported by the walker`);
  }
}

/** Reports a key seen before at the same path (checked here rather than by the YAML parser). */
function isDuplicateKey(ctx: WalkContext, fieldPath: string, key: string, keyNode: Node | null): boolean {
  if (!ctx.keys.has(fieldPath)) return false;
  ctx.diagnostics.push(diagnostic("MF1001", { field: fieldPath, key }, { path: fieldPath, value: key, position: positionOf(keyNode, ctx) }));
  return true;
}

function walkObject(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  if (!isMap(node)) return wrongType(schema, node, path, ctx);
  const properties = schema.properties as Record<string, TSchema>;
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  // A misspelt required field is reported once, as unknown with its suggestion.
  const suggested = new Set<string>();
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) {
      ctx.diagnostics.push(diagnostic("MF1002", { field: path || "the document", keyNotString: true }, { path, position: positionOf(keyNode, ctx) }));
      continue;
    }
    const fieldPath = join(path, key);
    // Duplicate keys are checked here rather than by the YAML parser (uniqueKeys), which
    // would cost a pass over every mapping of a large file.
    if (isDuplicateKey(ctx, fieldPath, key, keyNode)) continue;
    ctx.keys.set(fieldPath, positionOf(keyNode, ctx));
    const fieldSchema = properties[key];
    if (!fieldSchema) {
      const suggestion = didYouMean(key, Object.keys(properties));
      if (suggestion) suggested.add(suggestion);
      ctx.diagnostics.push(
        diagnostic(
          "MF1005",
          { field: path || "the document", key, ...(suggestion ? { suggestion } : {}), known: Object.keys(properties) },
          { path: fieldPath, value: key, position: positionOf(keyNode, ctx) },
        ),
      );
      continue;
    }
    const value = walk(fieldSchema, pair.value ?? null, fieldPath, ctx);
    if (value !== undefined) out[key] = value;
    required.delete(key); // present: a bad value was reported by the walk
  }
  for (const missing of required) {
    if (suggested.has(missing)) continue;
    ctx.diagnostics.push(
      diagnostic(
        "MF1006",
        {
          field: path || "the document",
          missing,
          hint: (properties[missing]?.description as string | undefined) ?? typeName(properties[missing] as TSchema),
        },
        { path: join(path, missing), position: positionOf(node, ctx) },
      ),
    );
  }
  return out;
}

function walkRecord(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  if (!isMap(node)) return wrongType(schema, node, path, ctx);
  const [keyPattern] = Object.keys(schema.patternProperties as object);
  const valueSchema = (schema.patternProperties as Record<string, TSchema>)[keyPattern as string] as TSchema;
  const out: Record<string, unknown> = {};
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined) continue;
    const fieldPath = join(path, key);
    if (isDuplicateKey(ctx, fieldPath, key, pair.key)) continue;
    ctx.keys.set(fieldPath, positionOf(pair.key, ctx));
    const problem = checkFormat("label-key", key);
    if (problem) {
      ctx.diagnostics.push(formatDiagnostic(problem, fieldPath, key, { path: fieldPath, value: key, position: positionOf(pair.key, ctx) }));
      continue;
    }
    const value = walk(valueSchema, pair.value ?? null, fieldPath, ctx);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function walkArray(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  if (!isSeq(node)) return wrongType(schema, node, path, ctx);
  const items = schema.items as TSchema;
  const minItems = schema.minItems as number | undefined;
  if (minItems !== undefined && node.items.length < minItems) {
    ctx.diagnostics.push(diagnostic("MF1006", { field: path, minItems }, { path, position: positionOf(node, ctx) }));
  }
  const out: unknown[] = [];
  node.items.forEach((item, i) => {
    // Keep indices stable so rules can map a value back to its source position.
    out.push(walk(items, item as Node | null, `${path}[${i}]`, ctx));
  });
  return out;
}

function walkString(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  if (!isScalar(node) || typeof node.value !== "string") {
    // Numbers and booleans where a name is expected are common YAML slips (`name: 1234`).
    if (isScalar(node) && (typeof node.value === "number" || typeof node.value === "boolean")) {
      ctx.diagnostics.push(
        diagnostic(
          "MF1002",
          // Quote what was written: YAML reads `istioVersion: 1.10` as the number 1.1.
          { field: path, expected: "a string", found: describe(node), quote: typeof node.source === "string" ? node.source : String(node.value) },
          { path, value: node.value, position: positionOf(node, ctx) },
        ),
      );
      return undefined;
    }
    return wrongType(schema, node, path, ctx);
  }
  const value = node.value;
  const format = schema.format as string | undefined;
  if (format) {
    const problem = checkFormat(format, value);
    if (problem) {
      ctx.diagnostics.push(formatDiagnostic(problem, path, value, { path, value, position: positionOf(node, ctx) }));
      return undefined;
    }
  }
  return value;
}

function walkInteger(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  const raw = isScalar(node) ? node.value : undefined;
  const value = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value)) return wrongType(schema, node, path, ctx);
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    ctx.diagnostics.push(diagnostic("MF1009", { field: path, port: value, min, max }, { path, value, position: positionOf(node, ctx) }));
    return undefined;
  }
  return value;
}

function walkEnum(schema: TSchema, node: Node | null, path: string, ctx: WalkContext): unknown {
  const allowed = schema.const !== undefined ? [schema.const] : (schema.anyOf as TSchema[]).map((s) => s.const);
  const value = isScalar(node) ? node.value : undefined;
  if (allowed.includes(value)) return value;
  const code = path === "apiVersion" ? "MF1003" : path === "kind" ? "MF1004" : "MF1019";
  const suggestion = typeof value === "string" ? didYouMean(value, allowed.map(String)) : undefined;
  ctx.diagnostics.push(
    diagnostic(
      code,
      { field: path, found: describe(node), allowed, ...(suggestion ? { suggestion } : {}) },
      { path, ...(value !== undefined && value !== null ? { value } : {}), position: positionOf(node, ctx) },
    ),
  );
  return undefined;
}
