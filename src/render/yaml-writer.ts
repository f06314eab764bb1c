/**
 * A YAML writer for plain data (objects, arrays, strings, finite numbers, booleans, null), in
 * block style with two-space indentation. The `yaml` library's `stringify` builds a node tree
 * per document and was two thirds of the time of rendering a large federation; meshfed's
 * output is plain data, so it is written directly. A property test checks that every output
 * parses back to the same value.
 */

/** Words that YAML 1.1 readers (go-yaml v2 in older kubectl) or 1.2 readers take as non-strings. */
const RESERVED = new Set([
  "",
  "~",
  "null",
  "Null",
  "NULL",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
]);

// Plain when it starts with a safe character, contains only safe ones, never ": " or " #",
// and does not end in ":" (which would make it a key).
const PLAIN = /^[A-Za-z0-9_./$][A-Za-z0-9_./$:@+=,()*\- ]*$/;
// What YAML 1.1 or 1.2 readers would take as a number or a timestamp.
const NUMBER_LIKE = [
  /^[-+]?[0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?$/,
  /^[-+]?0[xob]/,
  /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/,
  /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/,
];

/** Characters a number-like scalar can start with; other strings skip the number checks. */
const NUMBER_START = new Set([..."0123456789+-._eE"]);

function isPlainSafe(s: string): boolean {
  return (
    PLAIN.test(s) &&
    !RESERVED.has(s) &&
    !(NUMBER_START.has(s[0] as string) && NUMBER_LIKE.some((re) => re.test(s))) &&
    !s.includes(": ") &&
    !s.includes(" #") &&
    !s.endsWith(":") &&
    !s.endsWith(" ")
  );
}

// Output repeats the same strings (keys, labels, hosts) thousands of times: decide each once.
const stringCache = new Map<string, string>();

function stringScalar(s: string): string {
  let out = stringCache.get(s);
  if (out === undefined) {
    out = isPlainSafe(s) ? s : JSON.stringify(s);
    if (stringCache.size < 100_000) stringCache.set(s, out);
  }
  return out;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return stringScalar(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write non-finite number ${value}`);
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  throw new Error(`cannot write a ${typeof value} as YAML`);
}

function isCollection(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isEmptyCollection(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).every((k) => (value as Record<string, unknown>)[k] === undefined);
}

function inline(value: unknown): string | undefined {
  if (!isCollection(value)) return scalar(value);
  if (isEmptyCollection(value)) return Array.isArray(value) ? "[]" : "{}";
  return undefined;
}

function writeBlock(value: object, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      const simple = inline(item);
      if (simple !== undefined) {
        out.push(`${pad}- ${simple}`);
        continue;
      }
      // Write the item one level deeper, then hang its first line on the dash.
      const start = out.length;
      writeBlock(item as object, indent + 2, out);
      out[start] = `${pad}- ${(out[start] as string).slice(indent + 2)}`;
    }
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const k = scalar(key);
    const simple = inline(child);
    if (simple !== undefined) {
      out.push(`${pad}${k}: ${simple}`);
    } else {
      out.push(`${pad}${k}:`);
      writeBlock(child as object, indent + 2, out);
    }
  }
}

/** One YAML document (no `---`), ending with a newline. */
export function writeYaml(value: unknown): string {
  const simple = inline(value);
  if (simple !== undefined) return `${simple}\n`;
  const out: string[] = [];
  writeBlock(value as object, 0, out);
  return `${out.join("\n")}\n`;
}
