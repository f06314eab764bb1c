import { CEL_RULES } from "./crd-rules.js";
import { CRD_SCHEMA_INDEX, CRD_SPEC_SCHEMAS } from "./istio-crd-schemas.js";
import type { Resource } from "./types.js";

/**
 * The part of a Kubernetes structural schema (OpenAPI v3, apiextensions.k8s.io/v1) that Istio's
 * CRDs use, CEL rules (`x-kubernetes-validations`) included (crd-rules.ts).
 */
export interface CrdSchema {
  readonly type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  readonly format?: string;
  readonly properties?: Readonly<Record<string, CrdSchema>>;
  readonly additionalProperties?: CrdSchema | boolean;
  readonly items?: CrdSchema;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly pattern?: string;
  readonly oneOf?: readonly CrdSchema[];
  readonly anyOf?: readonly CrdSchema[];
  readonly allOf?: readonly CrdSchema[];
  readonly not?: CrdSchema;
  readonly "x-kubernetes-int-or-string"?: boolean;
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  readonly "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  readonly "x-kubernetes-list-map-keys"?: readonly string[];
  /** CEL rules, evaluated by their TypeScript forms in crd-rules.ts. */
  readonly "x-kubernetes-validations"?: readonly { readonly rule: string; readonly message?: string }[];
}

/** A schema violation: the field's path (as `spec.servers[0].tls.mode`) and the API server's reason. */
export interface SchemaViolation {
  readonly path: string;
  readonly reason: string;
}

/** At most this many violations are reported per resource: the first ones say what is wrong. */
const MAX_VIOLATIONS = 5;

/**
 * A schema node with every keyword the walker reads as an own field, built on first use: the
 * parsed JSON nodes come in dozens of shapes, and reading keywords off them is a slow lookup on
 * each of the tens of thousands of fields of a large input; one class is one shape.
 */
class Node {
  readonly type: CrdSchema["type"];
  readonly intOrString: boolean;
  readonly enumValues: readonly unknown[] | undefined;
  readonly required: readonly string[] | undefined;
  /** The `oneOf`/`anyOf`/`allOf`/`not` part, when there is one. */
  readonly exclusive: CrdSchema | undefined;
  readonly rules: CrdSchema["x-kubernetes-validations"];
  readonly raw: CrdSchema;
  /** Checks on the value itself beyond type and enum (ranges, lengths, patterns, list keys, sizes). */
  readonly bounded: boolean;
  /** Fields not in `properties` are allowed (preserve-unknown-fields, or additionalProperties true). */
  readonly open: boolean;
  private readonly children = new Map<string, Node | null>();
  private itemNode: Node | null | undefined;
  private valueNode: Node | null | undefined;

  constructor(s: CrdSchema) {
    this.raw = s;
    this.type = s.type;
    this.intOrString = s["x-kubernetes-int-or-string"] === true;
    this.enumValues = s.enum;
    this.required = s.required;
    this.exclusive = s.oneOf || s.anyOf || s.allOf || s.not ? { oneOf: s.oneOf, anyOf: s.anyOf, allOf: s.allOf, not: s.not } : undefined;
    this.rules = s["x-kubernetes-validations"];
    this.open = s["x-kubernetes-preserve-unknown-fields"] === true || s.additionalProperties === true;
    this.bounded =
      [s.minimum, s.maximum, s.minLength, s.maxLength, s.minItems, s.maxItems, s.minProperties, s.maxProperties, s.pattern, s["x-kubernetes-list-type"]].some(
        (x) => x !== undefined,
      ) || s.format === "int32";
  }

  /** The node of a field: its property schema, else the map's value schema; null when unknown. */
  child(key: string): Node | null {
    let c = this.children.get(key);
    if (c === undefined) {
      const raw = this.raw.properties && Object.hasOwn(this.raw.properties, key) ? this.raw.properties[key] : undefined;
      c = raw ? new Node(raw) : this.values();
      this.children.set(key, c);
    }
    return c;
  }

  private values(): Node | null {
    if (this.valueNode === undefined) this.valueNode = typeof this.raw.additionalProperties === "object" ? new Node(this.raw.additionalProperties) : null;
    return this.valueNode;
  }

  items(): Node | null {
    if (this.itemNode === undefined) this.itemNode = this.raw.items ? new Node(this.raw.items) : null;
    return this.itemNode;
  }
}

const nodes = new WeakMap<CrdSchema, Node>();

/**
 * The violations of a resource's `spec` against its CRD schema, as the API server finds them
 * (apiextensions-apiserver's structural validation, with field validation Strict, kubectl's
 * default): unknown fields, wrong types, values outside an enum or a range, and the CRD's CEL
 * rules. A null value is treated as absent: the API server prunes nulls of fields that are not
 * nullable. Kinds and versions without a schema here are not checked.
 */
export function crdSchemaViolations(r: Resource): SchemaViolation[] {
  const schema = schemaFor(r.apiVersion, r.kind);
  if (!schema || r.raw.spec === undefined || r.raw.spec === null) return [];
  let root = nodes.get(schema);
  if (!root) {
    root = new Node(schema);
    nodes.set(schema, root);
  }
  const out: SchemaViolation[] = [];
  at.length = 0;
  at.push("spec");
  check(r.raw.spec, root, out);
  return out.slice(0, MAX_VIOLATIONS);
}

const patterns = new Map<string, RegExp>();

/** Spec schemas by apiVersion and kind (null: none), looked up with the resource's own strings. */
const byApiVersion = new Map<string, Map<string, CrdSchema | null>>();

function schemaFor(apiVersion: string, kind: string): CrdSchema | null {
  let byKind = byApiVersion.get(apiVersion);
  if (byKind === undefined) {
    byKind = new Map();
    byApiVersion.set(apiVersion, byKind);
  }
  let schema = byKind.get(kind);
  if (schema === undefined) {
    const index = CRD_SCHEMA_INDEX[`${apiVersion}/${kind}`];
    schema = (index !== undefined ? CRD_SPEC_SCHEMAS[kind]?.[index] : undefined) ?? null;
    byKind.set(kind, schema);
  }
  return schema;
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Whether a value has the schema's type (`number` takes integers too). */
function hasType(v: unknown, s: Node): boolean {
  if (s.intOrString) return typeof v === "string" || (typeof v === "number" && Number.isInteger(v));
  switch (s.type) {
    case undefined:
      return true;
    case "string":
      return typeof v === "string";
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
  }
}

const quote = (v: unknown) => JSON.stringify(v);

/** Whether a value satisfies the schema's `required`/`not`/`anyOf`/`oneOf`/`allOf` (the forms Istio uses for one-of fields). */
function satisfies(v: unknown, s: CrdSchema): boolean {
  if (s.required && !(typeof v === "object" && v !== null && s.required.every((k) => (v as Record<string, unknown>)[k] != null))) return false;
  if (s.not && satisfies(v, s.not)) return false;
  if (s.anyOf && !s.anyOf.some((x) => satisfies(v, x))) return false;
  if (s.oneOf && s.oneOf.filter((x) => satisfies(v, x)).length !== 1) return false;
  if (s.allOf && !s.allOf.every((x) => satisfies(v, x))) return false;
  return true;
}

/**
 * The path of the value being checked, as segments (`.name` or `[i]`), joined only for a
 * violation: most resources have none, and building a path string per field of thousands of
 * resources costs more than the check.
 */
const at: (string | number)[] = [];
const pathOf = (): string => at.map((s, i) => (i === 0 ? s : typeof s === "number" ? `[${s}]` : `.${s}`)).join("");

function check(v: unknown, s: Node, out: SchemaViolation[]): void {
  if (out.length >= MAX_VIOLATIONS || v === null || v === undefined) return;
  if (!hasType(v, s)) {
    out.push({ path: pathOf(), reason: `Invalid value: ${typeOf(v)}: must be ${s.intOrString ? "an integer or a string" : `of type ${s.type}`}` });
    return;
  }
  if (s.enumValues !== undefined && !s.enumValues.includes(v)) {
    out.push({ path: pathOf(), reason: `Unsupported value: ${quote(v)}: supported values: ${s.enumValues.map(quote).join(", ")}` });
    return;
  }
  if (s.bounded) checkBounds(v, s.raw, out);
  if (s.type === "object") checkObject(v as Record<string, unknown>, s, out);
  else if (s.type === "array") {
    const items = s.items();
    const list = v as readonly unknown[];
    if (items)
      for (let i = 0; i < list.length; i++) {
        at.push(i);
        check(list[i], items, out);
        at.pop();
      }
  }
  if (s.exclusive !== undefined && !satisfies(v, s.exclusive))
    out.push({ path: pathOf(), reason: `Invalid value: ${oneOfFields(s.exclusive)} are mutually exclusive (set at most one)` });
  if (s.rules !== undefined)
    for (const { rule, message } of s.rules)
      if (CEL_RULES[rule]?.(v) === false) out.push({ path: pathOf(), reason: `Invalid value: ${message ?? `failed rule: ${rule}`}` });
}

/** The fields a one-of schema names, for its message. */
function oneOfFields(s: CrdSchema): string {
  const names = new Set<string>();
  const visit = (x: CrdSchema) => {
    for (const k of x.required ?? []) names.add(k);
    for (const y of [...(x.oneOf ?? []), ...(x.anyOf ?? []), ...(x.allOf ?? [])]) visit(y);
    if (x.not) visit(x.not);
  };
  visit(s);
  return [...names].map((n) => `\`${n}\``).join(", ");
}

/** Ranges, lengths, patterns, sizes and list keys. */
function checkBounds(v: unknown, s: CrdSchema, out: SchemaViolation[]): void {
  if (typeof v === "number") checkNumber(v, s, out);
  else if (typeof v === "string") checkString(v, s, out);
  else if (Array.isArray(v)) checkArray(v, s, out);
  else if (typeof v === "object" && v !== null) {
    const n = Object.keys(v).length;
    if (s.maxProperties !== undefined && n > s.maxProperties)
      out.push({ path: pathOf(), reason: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    if (s.minProperties !== undefined && n < s.minProperties)
      out.push({ path: pathOf(), reason: `Invalid value: ${n}: must have at least ${s.minProperties} items` });
  }
}

function checkNumber(v: number, s: CrdSchema, out: SchemaViolation[]): void {
  if (s.minimum !== undefined && v < s.minimum) out.push({ path: pathOf(), reason: `Invalid value: ${v}: should be greater than or equal to ${s.minimum}` });
  else if (s.maximum !== undefined && v > s.maximum) out.push({ path: pathOf(), reason: `Invalid value: ${v}: should be less than or equal to ${s.maximum}` });
  else if (s.format === "int32" && (v < -(2 ** 31) || v > 2 ** 31 - 1)) out.push({ path: pathOf(), reason: `Invalid value: ${v}: out of range for int32` });
}

function checkString(v: string, s: CrdSchema, out: SchemaViolation[]): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength)
    out.push({ path: pathOf(), reason: `Too long: may not be more than ${s.maxLength} characters (${quote(v.slice(0, 40))}…)` });
  else if (s.minLength !== undefined && length < s.minLength)
    out.push({ path: pathOf(), reason: `Invalid value: ${quote(v)}: should be at least ${s.minLength} chars long` });
  else if (s.pattern !== undefined) {
    let re = patterns.get(s.pattern);
    if (!re) {
      re = new RegExp(s.pattern, "u");
      patterns.set(s.pattern, re);
    }
    if (!re.test(v)) out.push({ path: pathOf(), reason: `Invalid value: ${quote(v)}: should match '${s.pattern}'` });
  }
}

function checkArray(v: readonly unknown[], s: CrdSchema, out: SchemaViolation[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ path: pathOf(), reason: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && v.length < s.minItems)
    out.push({ path: pathOf(), reason: `Invalid value: ${v.length}: must have at least ${s.minItems} items` });
  const listType = s["x-kubernetes-list-type"];
  if (listType === "set" || listType === "map") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const key = listType === "set" ? quote(item) : quote(keys.map((k) => (item as Record<string, unknown> | null)?.[k]));
      if (seen.has(key)) out.push({ path: `${pathOf()}[${i}]`, reason: `Duplicate value: ${key}` });
      seen.add(key);
    }
  }
}

function checkObject(v: Record<string, unknown>, s: Node, out: SchemaViolation[]): void {
  if (s.required !== undefined) for (const k of s.required) if (v[k] == null) out.push({ path: `${pathOf()}.${k}`, reason: "Required value" });
  for (const k in v) {
    const sub = s.child(k);
    at.push(k);
    if (sub !== null) check(v[k], sub, out);
    else if (!s.open && v[k] !== null) out.push({ path: pathOf(), reason: `unknown field ${quote(k)}` });
    at.pop();
  }
}
