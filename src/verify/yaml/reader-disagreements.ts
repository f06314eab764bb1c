import type * as Yaml from "yaml";
import { MAX_KEY_LENGTH } from "./block-subset.js";
import { plainScalarValue } from "./plain-scalar.js";
import { positionsLib } from "./positions-lib.js";

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
 * - a key longer than 1,024 characters, which go-yaml does not take for a key;
 * - NEL, U+2028 and U+2029, which go-yaml (YAML 1.1) reads as line breaks (U+2028/U+2029 are
 *   kept alike only inside a quoted string, between non-blanks), and a byte order mark starting
 *   a line other than the first, which go-yaml skips;
 * - in double-quoted strings, the escapes `\/` and `\u`/`\U` of a surrogate or past U+10FFFF,
 *   which go-yaml refuses, and an escaped line break before an empty line, whose line break
 *   go-yaml keeps;
 * - merge keys (`<<`) that go-yaml applies otherwise: it lets a merge override the keys written
 *   before it and a later merge an earlier one (js-yaml keeps what is there), merges only
 *   mappings, refuses a merge of the mapping itself or of one around it, and takes `? <<` for a
 *   merge key too;
 * - in a flow collection, a plain scalar holding a `?` (`[a?b]`, which ends it for go-yaml),
 *   starting with `:` (a value indicator to go-yaml) or followed by `:` and a flow indicator
 *   (`[a:]`, where go-yaml reads the `:` as part of it);
 * - a tab where go-yaml refuses one and js-yaml skips it: in a line's indentation, after `-`,
 *   `?` or an explicit key's `:`, among a block scalar's indentation spaces;
 * - anchor and alias names go-yaml refuses (anything but letters, digits, `_` and `-`, or a name
 *   running into `[` or `{`), and an anchor written again inside the node it names;
 * - an empty value with a tag other than `!!str` and `!!null` (go-yaml: "", js-yaml: null);
 * - a mapping starting on its key's line after an anchor or tag (`a: &x b: c`), and more text
 *   after a quoted string or flow collection that closes on a later line (`a: 'x\n'b: c`),
 *   which go-yaml refuses;
 * - a document that is a block scalar with an indentation indicator, whose spaces the readers
 *   count from different columns.
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
 * the line; an explicit `? ` key; a flow collection in a flow collection (`{[a]}`, `[{}: b]`); or
 * an empty key (`: a`, `&x : a`, `{: a}`); or a flow mapping entry that may be a key with no value.
 * Only documents matching it are parsed again to look at their keys.
 */
const SUSPECT_KEY =
  /(?:^[ -]*|[{,] *)(?:[&!]\S*[ \t]+)*(?:[-+.0-9~!*?[{]|null|Null|NULL)[^\n]*?:(?:[ \t]|$)|^[ -]*\?(?: |$)|[[{,] *[[{]|(?:^|[\s[{,])(?:[&!]\S*[ \t]+)*:(?:[ \t]|$)|\{(?:[^}\n]*,)?[ \t]*(?:[-+.0-9~,]|null|Null|NULL)/m;

/** The first form of the document (js-yaml's reading of it) that Kubernetes reads differently, if any. */
export function readerDisagreement(text: string): Disagreement | undefined {
  return emptyItemThenOuterItem(text) ?? nelOrLineBom(text) ?? rootBlockScalarIndent(text) ?? treeDisagreement(text);
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

/**
 * NEL, which go-yaml v2 (YAML 1.1) reads as a line break (and folds like one in quoted strings)
 * and js-yaml (YAML 1.2) as an ordinary character; and a byte order mark at the start of a line
 * other than the stream's first, which go-yaml skips and js-yaml keeps. U+2028 and U+2029, line
 * breaks to go-yaml too, are looked at on the tree (quoted strings keep them alike).
 */
const NEL_OR_LINE_BOM = /\u0085|^\ufeff/m;
/** U+2028 and U+2029. */
const SEPARATORS = /[\u2028\u2029]/g;

function nelOrLineBom(text: string): Disagreement | undefined {
  const m = NEL_OR_LINE_BOM.exec(text);
  if (m === null) return undefined;
  const { line, column } = position(text, m.index);
  if (m[0] === "\ufeff")
    return {
      line,
      column,
      message: "a byte order mark starts this line; Kubernetes' YAML reader skips it and meshfed's keeps it",
      fix: "Remove the byte order mark (U+FEFF); only the file's first character may be one.",
    };
  return { line, column, message: lineBreakMessage("NEL (U+0085)"), fix: "Remove the character, or write it as the escape \\N in a double-quoted string." };
}

function lineBreakMessage(name: string): string {
  return `the character ${name} is a line break to Kubernetes' YAML reader (YAML 1.1) and not to meshfed's`;
}

/** 0-based line and column of an offset. */
function position(text: string, at: number): { line: number; column: number } {
  let line = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return { line, column: at - (text.lastIndexOf("\n", at - 1) + 1) };
}

/** The document's first line that is neither blank nor only a comment. */
const FIRST_CONTENT = /^(?![ \t]*(?:#.*)?$).*$/m;
/** A block scalar header with an indentation indicator, after the node's properties. */
const INDENTED_BLOCK_SCALAR = /^[ \t]*(?:[!&][^ \t]*[ \t]+)*[|>](?:[-+]?[1-9]|[1-9][-+])/;

/**
 * A document that is a block scalar with an indentation indicator (`|2`): js-yaml counts the
 * indentation from column -1 there, go-yaml from column 0, so they keep different spaces.
 */
function rootBlockScalarIndent(text: string): Disagreement | undefined {
  const m = FIRST_CONTENT.exec(text);
  if (m === null || !INDENTED_BLOCK_SCALAR.test(m[0])) return undefined;
  return {
    ...position(text, m.index),
    message: "the document is a block scalar with an indentation indicator; Kubernetes and meshfed's YAML reader keep different spaces of it",
    fix: "Write the text as a double-quoted string, or without the indentation indicator.",
  };
}

/** A double-quoted string may hold an escape that go-yaml v2 refuses (see badEscape). */
const SUSPECT_ESCAPE = /\\[/uU\n]/;
/**
 * A plain scalar in a flow collection may hold a `?` (which ends it for go-yaml), start with a
 * `:` (a value indicator to go-yaml) or be followed by a `:` and a flow indicator (which go-yaml
 * reads as part of it).
 */
const SUSPECT_FLOW_PLAIN = /:[,[\]{}]|[\s[{,]:[^\s,[\]{}]|[[{][\s\S]*\?/;
/** A key's value that may be a mapping starting on the key's line after an anchor or tag (`a: &x b: c`). */
const SUSPECT_SAME_LINE_MAPPING = /:[ \t]+[&!][^\n]*:(?:[ \t]|$)/m;
/** A quote or flow collection that starts a node in block context: after indentation, indicators, a key and properties. */
const OPENER_AT_NODE_START = /^[ \t]*(?:[-?:][ \t]+)*(?:(?:"[^"\n]*"|'[^'\n]*'|[^\s#'"[\]{},][^#\n]*?)[ \t]*:[ \t]+)?(?:[&!]\S*[ \t]+)*(["'[{])/gm;

/** The offset of the quote that closes the quoted string opened at `at`, or of the text's end. */
function closingQuote(text: string, at: number): number {
  const quote = text[at];
  let i = at + 1;
  for (; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else break;
    }
  }
  return i;
}

/** The offset of the bracket that closes the flow collection opened at `at` (quotes and comments skipped), or of the text's end. */
function closingBracket(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") i = closingQuote(text, i);
    else if (c === "#" && /[ \t\n]/.test(text[i - 1] ?? "\n")) {
      const lf = text.indexOf("\n", i);
      i = lf === -1 ? text.length : lf - 1;
    } else if (c === "[" || c === "{") depth++;
    else if ((c === "]" || c === "}") && --depth === 0) return i;
  }
  return text.length;
}

/**
 * The offset of what follows, on the same line, a quoted string or flow collection that starts a
 * node and closes on a later line (`a: 'x\n'b: c`, `a: {\n}b: c`): js-yaml reads on (`b` is the
 * next key), go-yaml refuses ("did not find expected key"). Text only; the caller confirms on the
 * tree.
 */
function contentAfterMultilineNode(text: string): number | undefined {
  OPENER_AT_NODE_START.lastIndex = 0;
  for (let m = OPENER_AT_NODE_START.exec(text); m !== null; m = OPENER_AT_NODE_START.exec(text)) {
    const open = m.index + m[0].length - 1;
    const close = m[1] === '"' || m[1] === "'" ? closingQuote(text, open) : closingBracket(text, open);
    if (close >= text.length || !text.slice(open, close).includes("\n")) continue;
    const lf = text.indexOf("\n", close);
    if (!BLANK.test(text.slice(close + 1, lf === -1 ? text.length : lf))) return close + 1;
    OPENER_AT_NODE_START.lastIndex = Math.max(OPENER_AT_NODE_START.lastIndex, close);
  }
  return undefined;
}

/** A tag that may be on an empty node. */
const SUSPECT_EMPTY_TAG = /(?:^|[\s[{,])![^\s,[\]{}]*(?=[\s,\]}]|$)/m;
/** Tags both readers give an empty node alike (`!!str` the empty string, `!!null` null). */
const EMPTY_ALIKE = new Set(["tag:yaml.org,2002:str", "tag:yaml.org,2002:null"]);
/**
 * An anchor or alias (where a node starts) whose name holds a character go-yaml does not take,
 * or runs into a `[` or `{`, or an empty one in a flow collection (js-yaml refuses it elsewhere).
 */
const SUSPECT_ANCHOR = /(?:^[ \t]*|[-?:,[{][ \t]+|[[{,])[&*](?:[^ \t\n,[\]{}]*[^0-9A-Za-z_\- \t\n,[\]{}]|[0-9A-Za-z_-]*[[{])|[[{,:][ \t]*[&*](?=[ \t\n,\]}])/gm;
/** An anchor name written twice. */
const REPEATED_ANCHOR = /&([^\s,[\]{}]+)[\s\S]*&\1(?![^\s,[\]{}])/;
const FLOW_INDICATORS = ",[]{}";
const BLANKS = " \t\n\u0085\u2028\u2029";

/**
 * The forms found on the tree of the document (keys, escapes, merge keys, plain scalars in flow
 * collections, anchors, tabs, U+2028/U+2029). The document is parsed again only when a cheap look
 * at its text finds one may be there: the yaml library for the forms' places only; values still
 * come from js-yaml.
 */
function treeDisagreement(text: string): Disagreement | undefined {
  const keys = SUSPECT_KEY.test(text) || LONG_LINE.test(text);
  const escapes = SUSPECT_ESCAPE.test(text);
  const merges = text.includes("<<");
  const flowPlain = SUSPECT_FLOW_PLAIN.test(text);
  const tabs = text.includes("\t");
  const emptyTag = text.includes("!") && SUSPECT_EMPTY_TAG.test(text);
  const sameLineMapping = SUSPECT_SAME_LINE_MAPPING.test(text);
  const repeatedAnchor = text.includes("&") && REPEATED_ANCHOR.test(text);
  const afterQuote = /["'[{]/.test(text) ? contentAfterMultilineNode(text) : undefined;
  SEPARATORS.lastIndex = 0;
  const separators = SEPARATORS.test(text);
  SUSPECT_ANCHOR.lastIndex = 0;
  const anchors = SUSPECT_ANCHOR.test(text);
  if (
    !keys &&
    !escapes &&
    !merges &&
    !flowPlain &&
    !tabs &&
    !separators &&
    !anchors &&
    !emptyTag &&
    !sameLineMapping &&
    !repeatedAnchor &&
    afterQuote === undefined
  )
    return undefined;
  const yaml = positionsLib();
  const lc = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lc, uniqueKeys: false, version: "1.1", merge: false });
  let found: Disagreement | undefined;
  const report = (at: number, message: string, fix: string): typeof yaml.visit.BREAK => {
    const p = lc.linePos(at);
    found = { line: p.line - 1, column: p.col - 1, message, fix };
    return yaml.visit.BREAK;
  };
  // js-yaml reads `a: &x b: c` as a mapping in a mapping; go-yaml refuses it ("mapping values are
  // not allowed in this context"), as the yaml library does.
  const blockAsKey = sameLineMapping ? doc.errors.find((e) => e.code === "BLOCK_AS_IMPLICIT_KEY") : undefined;
  if (blockAsKey) {
    report(
      blockAsKey.pos[0],
      "a mapping starts on the line of the key it is the value of (after an anchor or tag); Kubernetes refuses it (mapping values are not allowed in this context)",
      "Start the mapping on the next line, indented under its key.",
    );
    return found;
  }
  // Scalars with the column of the block collection they are in (-1: none; Infinity: in a flow
  // collection), and the flow collections' ranges.
  const scalars: { node: Yaml.Scalar; owner: number }[] = [];
  const flows: [number, number][] = [];
  const columnOf = (at: number) => at - (text.lastIndexOf("\n", at - 1) + 1);
  // Anchored nodes, for an anchor written again inside its own node: go-yaml binds the name to
  // the inner node (the later start), js-yaml to the outer one (the later end).
  const anchored: { name: string; range: readonly number[] }[] = [];
  yaml.visit(doc, (_, node) => {
    if (repeatedAnchor && (yaml.isScalar(node) || yaml.isCollection(node)) && node.anchor && node.range) {
      const { anchor, range } = node;
      const outer = anchored.find((a) => a.name === anchor && a.range[0]! <= range[0] && range[1] <= a.range[1]!);
      if (outer)
        return report(
          range[0],
          `the anchor &${anchor} is written again inside the node it names; Kubernetes and meshfed's YAML reader give its aliases different nodes`,
          "Give the inner anchor a name of its own.",
        );
      anchored.push({ name: anchor, range });
    }
    return undefined;
  });
  if (found) return found;
  yaml.visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Yaml.Node | null;
      // `? <<` is a merge key to go-yaml and the key "<<" to js-yaml.
      if (isMergeKey(yaml, key) && key.range && /\?[ \t]+(?:[&!]\S*[ \t]+)*$/.test(text.slice(text.lastIndexOf("\n", key.range[0] - 1) + 1, key.range[0])))
        return report(
          key.range[0],
          'an explicit merge key (`? <<`), which Kubernetes merges and meshfed\'s YAML reader takes as the key "<<"',
          "Write the merge key as `<<:`.",
        );
      const problem = keys ? unsupportedKey(yaml, pair.key as Yaml.Node | null) : undefined;
      if (problem) return report(problem.at, problem.message, "Write the key as a quoted string, as Kubernetes objects name their fields.");
      return undefined;
    },
    Scalar(_, node, path) {
      if (!node.range) return undefined;
      const [start, end] = node.range;
      const inFlow = path.some((p) => (yaml.isMap(p) || yaml.isSeq(p)) && p.flow);
      if (tabs || separators || anchors || escapes || afterQuote !== undefined) {
        const parent = [...path].reverse().find((p) => yaml.isMap(p) || yaml.isSeq(p)) as Yaml.YAMLMap | Yaml.YAMLSeq | undefined;
        scalars.push({ node, owner: inFlow ? Number.POSITIVE_INFINITY : parent?.range ? columnOf(parent.range[0]) : -1 });
      }
      if (emptyTag && node.tag && !EMPTY_ALIKE.has(node.tag) && node.type === "PLAIN" && node.source === "")
        return report(
          start,
          `an empty value tagged ${node.tag}, which Kubernetes reads as the empty string or refuses and meshfed's YAML reader reads as null`,
          'Write the value: "" or null.',
        );
      if (escapes && node.type === "QUOTE_DOUBLE") {
        const bad = badEscape(text.slice(start, end));
        if (bad)
          return report(
            start + bad.at,
            `the escape ${bad.escape} in a double-quoted string, which Kubernetes' YAML reader reads otherwise or refuses (${bad.why})`,
            bad.fix,
          );
      }
      if (flowPlain && inFlow && node.type === "PLAIN") {
        const source = String(node.source);
        const fix = 'Quote the string ("..."), or write the collection in block style.';
        if (source.includes("?"))
          return report(
            start,
            `the plain scalar ${JSON.stringify(source)} in a flow collection holds a "?", which ends it for Kubernetes' YAML reader and not for meshfed's`,
            fix,
          );
        if (source.startsWith(":"))
          return report(
            start,
            `the plain scalar ${JSON.stringify(source)} in a flow collection starts with ":", which Kubernetes' YAML reader reads as a value indicator`,
            fix,
          );
        if (text[end] === ":" && FLOW_INDICATORS.includes(text[end + 1] ?? " "))
          return report(
            start,
            `the plain scalar ${JSON.stringify(source)} in a flow collection is followed by ":" and ${JSON.stringify(text[end + 1])}; Kubernetes' YAML reader reads the ":" as part of the string`,
            'Put a space after the ":", or quote the string.',
          );
      }
      return undefined;
    },
    Map(_, map, path) {
      if ((tabs || afterQuote !== undefined) && map.flow && map.range) flows.push([map.range[0], map.range[1]]);
      if (!merges) return undefined;
      const problem = mergeDisagreement(yaml, doc, map, path);
      return problem ? report(problem.at, problem.message, problem.fix) : undefined;
    },
    Seq(_, seq) {
      if ((tabs || afterQuote !== undefined) && seq.flow && seq.range) flows.push([seq.range[0], seq.range[1]]);
    },
  });
  if (found) return found;
  const scalarAt = (i: number) => scalars.find((s) => s.node.range![0] <= i && i < s.node.range![1]);
  const inComment = (i: number) => {
    const lineStart = text.lastIndexOf("\n", i - 1) + 1;
    for (let j = lineStart; j < i; j++) if (text[j] === "#" && (j === lineStart || text[j - 1] === " " || text[j - 1] === "\t") && !scalarAt(j)) return true;
    return false;
  };
  // Not in a block or plain scalar, where the quote or bracket is text, nor in a flow collection,
  // where more may follow it.
  const inFlow = (i: number) => flows.some(([a, b]) => a <= i && i < b);
  const around = afterQuote === undefined ? undefined : scalarAt(afterQuote - 1)?.node.type;
  if (afterQuote !== undefined && !around?.startsWith("BLOCK") && around !== "PLAIN" && !inFlow(afterQuote)) {
    report(
      afterQuote,
      "a quoted string or flow collection that ends on a later line is followed by more on that line; Kubernetes refuses this (did not find expected key) and meshfed's YAML reader reads on",
      "Put what follows the closing quote or bracket on a line of its own.",
    );
    return found;
  }
  if (flowPlain && doc.errors.length > 0) {
    // A plain scalar starting with ":" (a value indicator to go-yaml in a flow collection) that the
    // yaml library, finding the text broken, did not place: refused unless it is in a scalar.
    const colon = /[\s[{,]:[^\s,[\]{}]/g;
    for (let m = colon.exec(text); m !== null; m = colon.exec(text)) {
      const at = m.index + 1;
      const s = scalarAt(at)?.node;
      if ((s && s.type !== "PLAIN") || inComment(at) || !/[[{]/.test(text.slice(0, at))) continue;
      report(
        at,
        'a plain scalar starting with ":" in a flow collection, which Kubernetes\' YAML reader reads as a value indicator',
        'Quote the string ("...").',
      );
      return found;
    }
  }
  if (escapes) {
    // Escapes go-yaml refuses in a double-quoted string the yaml library did not find (it reads
    // some broken texts otherwise than both readers): looked for in the text.
    const suspect = /\\(?:\/|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/g;
    for (let m = suspect.exec(text); m !== null; m = suspect.exec(text)) {
      // A double-quoted string on the tree was looked at above; other scalars hold no escapes,
      // unless the yaml library found the text broken and its scalars may be wrong.
      const s = scalarAt(m.index)?.node;
      if ((s && (s.type === "QUOTE_DOUBLE" || doc.errors.length === 0)) || inComment(m.index)) continue;
      const bad = badEscape(m[0]);
      if (!bad) continue;
      report(m.index, `the escape ${bad.escape} in a double-quoted string, which Kubernetes' YAML reader reads otherwise or refuses (${bad.why})`, bad.fix);
      return found;
    }
    // An escaped line break before an empty line that the yaml library did not find in a
    // double-quoted string (it reads some such strings otherwise than both readers).
    const escaped = /\\\n[ \t]*\n/g;
    for (let m = escaped.exec(text); m !== null; m = escaped.exec(text)) {
      const s = scalarAt(m.index)?.node;
      if (s && s.type !== "QUOTE_DOUBLE") continue;
      report(
        m.index,
        "the escape \\ at a line's end before an empty line in a double-quoted string, which Kubernetes' YAML reader reads otherwise (it keeps a line break there)",
        "Write the line break as \\n.",
      );
      return found;
    }
  }
  if (separators) {
    SEPARATORS.lastIndex = 0;
    for (let m = SEPARATORS.exec(text); m !== null; m = SEPARATORS.exec(text)) {
      const s = scalarAt(m.index)?.node;
      // go-yaml keeps the character in a quoted string, but drops the blanks around it.
      const quoted = s !== undefined && (s.type === "QUOTE_DOUBLE" || s.type === "QUOTE_SINGLE");
      if (quoted && !BLANKS.includes(text[m.index - 1]!) && !BLANKS.includes(text[m.index + 1]!)) continue;
      const name = m[0] === "\u2028" ? "LINE SEPARATOR (U+2028)" : "PARAGRAPH SEPARATOR (U+2029)";
      report(m.index, lineBreakMessage(name), `Remove the character, or write it as the escape \\${m[0] === "\u2028" ? "L" : "P"} in a double-quoted string.`);
      return found;
    }
  }
  if (anchors) {
    SUSPECT_ANCHOR.lastIndex = 0;
    for (let m = SUSPECT_ANCHOR.exec(text); m !== null; m = SUSPECT_ANCHOR.exec(text)) {
      const name = m[0].slice(m[0].search(/[&*]/));
      const at = m.index + m[0].length - name.length;
      if (scalarAt(at) || inComment(at)) continue;
      report(
        at,
        `the ${name[0] === "&" ? "anchor" : "alias"} ${JSON.stringify(name)} has a name that Kubernetes' YAML reader refuses or ends elsewhere (it takes letters, digits, "_" and "-", then a space)`,
        "Name anchors with letters, digits, `_` and `-` only, and put a space after the name.",
      );
      return found;
    }
  }
  if (tabs) {
    const tab = tabKubernetesRefuses(text, scalarAt, inFlow, inComment);
    if (tab !== undefined)
      report(
        tab,
        "a tab where Kubernetes' YAML reader refuses one (in a line's indentation, after `-` or `?`, or in a block scalar's indentation) and meshfed's reads it",
        "Use spaces: YAML allows tabs only inside values and between tokens on a line.",
      );
  }
  return found;
}

/**
 * The offset of a tab that go-yaml v2 refuses and js-yaml may read. go-yaml's scanner skips tabs
 * between tokens only in flow collections or where no simple key may start
 * (yaml_parser_scan_to_next_token): never in a line's indentation, nor after `-`, `?` or the `:`
 * of an explicit key, where js-yaml skips them before a scalar or a comment (after a simple key's
 * `:` both do). In a block scalar it refuses a tab among the indentation spaces (and any tab
 * before the first line with content, whose spaces set the indentation); in a plain scalar's
 * continuation line, one left of the column after its block collection's.
 */
function tabKubernetesRefuses(
  text: string,
  scalarAt: (i: number) => { node: Yaml.Scalar; owner: number } | undefined,
  inFlow: (i: number) => boolean,
  inComment: (i: number) => boolean,
): number | undefined {
  for (let t = text.indexOf("\t"); t >= 0; t = text.indexOf("\t", t + 1)) {
    const lineStart = text.lastIndexOf("\n", t - 1) + 1;
    const leading = /^[ \t]*$/.test(text.slice(lineStart, t));
    const scalar = scalarAt(t);
    if (scalar) {
      const { node, owner } = scalar;
      if (!leading || lineStart <= node.range![0]) continue;
      if (node.type === "PLAIN" && t - lineStart <= owner) return t;
      if ((node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") && blockScalarRefusesTab(text, node.range![0], lineStart, t)) return t;
      continue;
    }
    if (inFlow(t) || inComment(t)) continue;
    if (leading) return t;
    let p = t - 1;
    while (text[p] === " " || text[p] === "\t") p--;
    if (scalarAt(p) || inFlow(p)) continue;
    if (text[p] === "-" || text[p] === "?") return t;
    // The `:` of an explicit key's value starts its line (after the indentation).
    if (text[p] === ":" && /^[ \t]*$/.test(text.slice(lineStart, p))) return t;
  }
  return undefined;
}

/**
 * Whether go-yaml refuses the tab at `tab` (on the line starting at `lineStart`) in the block
 * scalar whose header starts at `header`: among the indentation spaces of the content (go-yaml
 * yaml_parser_scan_block_scalar_breaks), or after the spaces of any line up to the first with
 * content, while the indentation is not known yet. With an indentation indicator, any tab in a
 * line's leading white space is taken as refused (not modelled further).
 */
function blockScalarRefusesTab(text: string, header: number, lineStart: number, tab: number): boolean {
  const headerEnd = text.indexOf("\n", header);
  if (/^[|>][+-]?[1-9]/.test(text.slice(header, header + 3))) return true;
  let indent = 0;
  for (let ls = headerEnd + 1; ls <= lineStart; ) {
    let k = ls;
    while (text[k] === " ") k++;
    indent = Math.max(indent, k - ls);
    if (text[k] === "\t") return true;
    if (text[k] !== "\n" && k < text.length) break;
    ls = k + 1;
  }
  return tab - lineStart < indent;
}

/** A key of a form Kubernetes refuses or names differently, with its offset. */
function unsupportedKey(yaml: typeof Yaml, key: Yaml.Node | null): { at: number; message: string } | undefined {
  const range = key?.range;
  const at = range?.[0] ?? 0;
  if (range && range[1] - range[0] > MAX_KEY_LENGTH)
    return { at, message: `a mapping key of ${range[1] - range[0]} characters; Kubernetes' YAML reader takes at most ${MAX_KEY_LENGTH} before the colon` };
  if (yaml.isAlias(key)) return { at, message: "a mapping key is an alias; Kubernetes and meshfed's YAML reader name such keys differently" };
  if (!yaml.isScalar(key)) return { at, message: "a mapping key is a collection, which Kubernetes refuses (invalid map key)" };
  const source = String(key.source);
  if (key.tag) return { at, message: `the mapping key ${JSON.stringify(source)} has a tag; Kubernetes and meshfed's YAML reader may name it differently` };
  if (key.type !== "PLAIN" || source === "<<") return undefined;
  const value = plainScalarValue(source);
  if (value === null) return { at, message: `the mapping key ${JSON.stringify(source)} is null, which Kubernetes refuses (unsupported map key)` };
  // Integers written in any base name themselves in decimal in both; floats and integers past
  // 2^53 do not (Go writes 1e6 as "1e+06"; JavaScript rounds 9007199254740993).
  const float = /[.eE]/.test(source) && !/^[-+]?0[xX]/.test(source);
  if (typeof value === "number" && (float || !Number.isSafeInteger(value)))
    return { at, message: `the mapping key ${JSON.stringify(source)} is a number that Kubernetes names differently` };
  return undefined;
}

/**
 * An escape of a double-quoted scalar (its source, quotes included) that go-yaml v2 refuses and
 * js-yaml reads: `\/` (YAML 1.2 only; go-yaml: "found unknown escape character"), and `\u` or
 * `\U` escapes of a surrogate or past U+10FFFF ("found invalid Unicode character escape code"),
 * which js-yaml turns into broken UTF-16.
 */
function badEscape(source: string): { at: number; escape: string; why: string; fix: string } | undefined {
  for (let i = source.indexOf("\\"); i >= 0; i = source.indexOf("\\", i + 2)) {
    const c = source[i + 1];
    if (c === "/") return { at: i, escape: "\\/", why: "found unknown escape character", fix: "Write / without the backslash." };
    // An escaped line break before an empty line: go-yaml keeps the empty line's line break, js-yaml drops it.
    if (c === "\n" && /^[ \t]*\n/.test(source.slice(i + 2)))
      return { at: i, escape: "\\ at a line's end before an empty line", why: "it keeps a line break there", fix: "Write the line break as \\n." };
    if (c !== "u" && c !== "U") continue;
    const hex = source.slice(i + 2, i + (c === "u" ? 6 : 10));
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== (c === "u" ? 4 : 8)) continue;
    const code = Number.parseInt(hex, 16);
    if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
      return {
        at: i,
        escape: `\\${c}${hex}`,
        why: "found invalid Unicode character escape code",
        fix: "Escape characters past U+FFFF with one \\U and eight hex digits (\\U0001F600), not as a surrogate pair.",
      };
    i += hex.length;
  }
  return undefined;
}

/** A key's name as both readers give it, for keys of the forms both read alike. */
function keyName(yaml: typeof Yaml, key: unknown): string | undefined {
  if (!yaml.isScalar(key)) return undefined;
  return key.type === "PLAIN" ? String(plainScalarValue(String(key.source))) : String(key.value);
}

function isMergeKey(yaml: typeof Yaml, key: unknown): key is Yaml.Scalar {
  return yaml.isScalar(key) && key.type === "PLAIN" && key.source === "<<" && !key.tag;
}

/** The mappings a merge key's value merges, or undefined when one of them is not a mapping. */
function mergeSources(yaml: typeof Yaml, doc: Yaml.Document, value: unknown): Yaml.YAMLMap[] | undefined {
  const resolve = (n: unknown) => (yaml.isAlias(n) ? n.resolve(doc) : n);
  const v = resolve(value);
  // go-yaml merges a list written in place, never one behind an alias; js-yaml merges both.
  const items = yaml.isSeq(value) ? value.items.map(resolve) : [v];
  return items.every((i) => yaml.isMap(i)) ? (items as Yaml.YAMLMap[]) : undefined;
}

/** The key names a mapping has once its merge keys are applied (the same names in both readers). */
function mergedKeys(yaml: typeof Yaml, doc: Yaml.Document, map: Yaml.YAMLMap, seen = new Set<Yaml.YAMLMap>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(map)) return names;
  seen.add(map);
  for (const pair of map.items) {
    if (isMergeKey(yaml, pair.key))
      for (const source of mergeSources(yaml, doc, pair.value) ?? []) for (const n of mergedKeys(yaml, doc, source, seen)) names.add(n);
    else {
      const name = keyName(yaml, pair.key);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

/**
 * A mapping whose merge keys (`<<`) the readers apply differently. go-yaml v2 (decode.go
 * `mapping`, `merge`) writes a mapping's pairs in order, each merge writing its mappings' keys
 * over what is there (the first of a list last, so that it wins); js-yaml (loader.js
 * `mergeMappings`) lets a merge add only keys that are not there yet. So a key written before a
 * merge, or merged by an earlier merge of the same mapping, gets another value in each. go-yaml
 * also refuses to merge anything but mappings, where js-yaml merges the items of a list behind
 * an alias, and a list's keys ("0", "1", ...).
 */
function mergeDisagreement(
  yaml: typeof Yaml,
  doc: Yaml.Document,
  map: Yaml.YAMLMap,
  ancestors: readonly unknown[],
): { at: number; message: string; fix: string } | undefined {
  if (!map.items.some((p) => isMergeKey(yaml, p.key))) return undefined;
  const fix =
    "Write `<<` once, as the mapping's first key (several mappings go in one list, `<<: [*a, *b]`, the first winning), and the keys that override it after it.";
  // Where each key's value comes from in each reader (the mapping merged, or the pair), and the
  // pair that put it there.
  interface Owner {
    readonly from: object;
    readonly pair: number;
  }
  const kube = new Map<string, Owner>();
  const mine = new Map<string, Owner>();
  for (const [i, pair] of map.items.entries()) {
    if (isMergeKey(yaml, pair.key)) {
      const sources = mergeSources(yaml, doc, pair.value);
      if (!sources)
        return {
          at: pair.key.range?.[0] ?? 0,
          message:
            "a merge key (<<) whose value is not a mapping, an alias of one or a list of those, which Kubernetes refuses and meshfed's YAML reader merges",
          fix,
        };
      // go-yaml refuses a merge of the mapping itself or of one it is in; js-yaml merges the keys it has so far.
      if (sources.some((s) => s === map || ancestors.includes(s)))
        return {
          at: pair.key.range?.[0] ?? 0,
          message: "a merge key (<<) merges the mapping it is in, which Kubernetes refuses (anchor value contains itself)",
          fix: "Merge another mapping's anchor, not one of the mapping itself or of a mapping around it.",
        };
      const keys = sources.map((s) => mergedKeys(yaml, doc, s));
      keys.forEach((names, j) => {
        for (const n of names) if (!mine.has(n)) mine.set(n, { from: sources[j]!, pair: i });
      });
      for (let j = keys.length - 1; j >= 0; j--) for (const n of keys[j]!) kube.set(n, { from: sources[j]!, pair: i });
    } else {
      const name = keyName(yaml, pair.key);
      if (name === undefined) continue;
      kube.set(name, { from: pair, pair: i });
      mine.set(name, { from: pair, pair: i });
    }
  }
  for (const [n, owner] of kube) {
    const other = mine.get(n)!;
    if (other.from === owner.from) continue;
    // Reported at the later of the two pairs involved, a merge key.
    const pair = map.items[Math.max(owner.pair, other.pair)]!;
    return {
      at: (pair.key as Yaml.Node).range?.[0] ?? 0,
      message: `this merge key (<<) gives the key ${JSON.stringify(n)} a value that Kubernetes takes from another place than meshfed's YAML reader (Kubernetes lets a merge override keys before it, and a later merge an earlier one)`,
      fix,
    };
  }
  return undefined;
}
