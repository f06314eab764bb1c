import { jsYaml, kubernetesSchema } from "../../src/verify/yaml/kubernetes-schema.js";

/** What the slow path (js-yaml with Kubernetes' scalar rules) makes of one document. */
export function slowRead(text: string): { value: unknown } | { error: string } {
  try {
    return { value: jsYaml().load(text, { schema: kubernetesSchema() }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Where two values differ, or undefined when they are the same: same types, prototypes, own
 * keys in the same order, and leaves equal by Object.is (so -0 is not 0 and NaN is NaN).
 */
export function difference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== typeof b || (a === null) !== (b === null)) return `${path}: ${describe(a)} vs ${describe(b)}`;
  if (a === null || typeof a !== "object") return Object.is(a, b) ? undefined : `${path}: ${describe(a)} vs ${describe(b)}`;
  const o = b as object;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(o)) return `${path}: prototypes differ`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(o);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return `${path}: keys ${String(ka)} vs ${String(kb)}`;
  for (const k of ka) {
    const d = difference((a as Record<string | symbol, unknown>)[k], (o as Record<string | symbol, unknown>)[k], `${path}.${String(k)}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function describe(v: unknown): string {
  return `${typeof v} ${Object.is(v, -0) ? "-0" : JSON.stringify(v)}`;
}

/**
 * Checks the fast reader's answer for one document against the slow path: undefined, or the
 * very value js-yaml gives (never a value where js-yaml throws). Returns the failure, if any.
 */
export function fastMismatch(text: string, fast: unknown): string | undefined {
  if (fast === undefined) return undefined;
  const slow = slowRead(text);
  if ("error" in slow) return `fast reader gave ${JSON.stringify(fast)} where js-yaml throws: ${slow.error}`;
  if (JSON.stringify(fast) !== JSON.stringify(slow.value)) return `JSON differs: ${JSON.stringify(fast)} vs ${JSON.stringify(slow.value)}`;
  return difference(fast, slow.value);
}
