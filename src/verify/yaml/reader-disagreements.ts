import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import { MAX_KEY_LENGTH } from "./block-subset.js";
import { plainScalarValue } from "./plain-scalar.js";

/**
 * Forms of a document that js-yaml (the slow path of readYamlStream) reads differently from
 * Kubernetes (sigs.k8s.io/yaml over go-yaml v2), found by comparing both on the same texts with
 * conformance/cmd/yamljson. A document with one is refused, never read one way:
 *
 * - an item with no value (`-` alone) followed by a `-` item indented less: js-yaml adds the
 *   second item to the first one's sequence, go-yaml to the enclosing one or refuses the
 *   document ("did not find expected key");
 * - a mapping key that is not a string, boolean or integer: go-yaml refuses null and collection
 *   keys ("unsupported map key", "invalid map key") and names a float key in Go's `g` form
 *   (`1e6` is "1e+06"), where js-yaml names every key with JavaScript's String(); integers past
 *   2^53 lose digits in JavaScript; tagged and alias keys are refused too;
 * - a key longer than 1,024 characters, which go-yaml does not take for a key.
 *
 * The fast reader (block-subset.ts) never accepts these forms, so only documents js-yaml reads
 * are checked.
 */
export interface Disagreement {
  /** 0-based line within the document's text. */
  readonly line: number;
  /** 0-based column. */
  readonly column: number;
  readonly message: string;
  readonly fix: string;
}

/** A line whose last item has no value: `-` (maybe after other item markers), then nothing or a comment. */
const EMPTY_ITEM = /^(?: *- +)* *-(?: *| +#.*)$/;
/** A line that starts a sequence item, with its indentation. */
const ITEM = /^( *)-(?: |$)/;
/** A line longer than any key Kubernetes reads, so that a key on it may be too long. */
const LONG_LINE = new RegExp(`^.{${MAX_KEY_LENGTH + 1}}`, "m");
/** A line of blanks or only a comment. */
const BLANK = /^[ \t]*(?:#.*)?$/;
/**
 * Where a key that may not be a string could start: at a line's start (after item markers) or in
 * a flow mapping, a number, null, tag, alias, complex-key or collection form, with a `: ` later on
 * the line; or an explicit `? ` key. Only documents matching it are parsed again to look at their
 * keys.
 */
const SUSPECT_KEY = /(?:^[ -]*|[{,] *)(?:[-+.0-9~!*?[{]|null|Null|NULL)[^\n]*?:(?:[ \t]|$)|^[ -]*\?(?: |$)/m;

/** The first form of the document (js-yaml's reading of it) that Kubernetes reads differently, if any. */
export function readerDisagreement(text: string): Disagreement | undefined {
  return emptyItemThenOuterItem(text) ?? unsupportedKey(text);
}

function emptyItemThenOuterItem(text: string): Disagreement | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!EMPTY_ITEM.test(line)) continue;
    // The empty item's column: its `-` is the last one before the comment or the line's end.
    const column = line.replace(/(?: *| +#.*)$/, "").length - 1;
    let j = i + 1;
    while (j < lines.length && BLANK.test(lines[j]!)) j++;
    const next = j < lines.length ? ITEM.exec(lines[j]!) : null;
    if (next && next[1]!.length < column)
      return {
        line: j,
        column: next[1]!.length,
        message: `this item follows an item with no value (line ${i + 1}) indented more; Kubernetes and meshfed's YAML reader disagree on which sequence it belongs to`,
        fix: "Give the empty item a value (`- null` or `- {}`), or indent the items of one sequence alike.",
      };
  }
  return undefined;
}

let yamlModule: typeof Yaml | undefined;

function unsupportedKey(text: string): Disagreement | undefined {
  if (!SUSPECT_KEY.test(text) && !LONG_LINE.test(text)) return undefined;
  // The yaml library for the keys' forms and places only; values still come from js-yaml.
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  const yaml = yamlModule;
  const lc = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lc, uniqueKeys: false, version: "1.1" });
  const fix = "Write the key as a quoted string, as Kubernetes objects name their fields.";
  let found: Disagreement | undefined;
  const report = (node: Yaml.Node | null, message: string): typeof yaml.visit.BREAK => {
    const p = lc.linePos(node?.range?.[0] ?? 0);
    found = { line: p.line - 1, column: p.col - 1, message, fix };
    return yaml.visit.BREAK;
  };
  yaml.visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Yaml.Node | null;
      const range = key?.range;
      if (range && range[1] - range[0] > MAX_KEY_LENGTH)
        return report(key, `a mapping key of ${range[1] - range[0]} characters; Kubernetes' YAML reader takes at most ${MAX_KEY_LENGTH} before the colon`);
      if (yaml.isAlias(key)) return report(key, "a mapping key is an alias; Kubernetes and meshfed's YAML reader name such keys differently");
      if (!yaml.isScalar(key)) return report(key, "a mapping key is a collection, which Kubernetes refuses (invalid map key)");
      const source = String(key.source);
      if (key.tag) return report(key, `the mapping key ${JSON.stringify(source)} has a tag; Kubernetes and meshfed's YAML reader may name it differently`);
      if (key.type !== "PLAIN" || source === "<<") return undefined;
      const value = plainScalarValue(source);
      if (value === null) return report(key, `the mapping key ${JSON.stringify(source)} is null, which Kubernetes refuses (unsupported map key)`);
      // Integers written in any base name themselves in decimal in both; floats and integers past
      // 2^53 do not (Go writes 1e6 as "1e+06"; JavaScript rounds 9007199254740993).
      const float = /[.eE]/.test(source) && !/^[-+]?0[xX]/.test(source);
      if (typeof value === "number" && (float || !Number.isSafeInteger(value)))
        return report(key, `the mapping key ${JSON.stringify(source)} is a number that Kubernetes names differently`);
      return undefined;
    },
  });
  return found;
}
