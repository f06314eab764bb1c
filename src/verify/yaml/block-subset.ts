import { plainScalarValue } from "./plain-scalar.js";

/**
 * A fast reader for the plain block YAML that Kubernetes manifests are almost always written in.
 * It is only a fast path: for any text it either gives exactly the value that js-yaml with
 * `kubernetesSchema()` gives (the slow path, see read-yaml.ts), or `undefined` ("not in the
 * subset"), and the caller then asks js-yaml. test/verify/yaml-block-subset.property.test.ts
 * checks this on random texts of the subset and near misses, yaml-block-subset-corpus.test.ts
 * on every YAML file of the repository and on a generated bench scenario.
 *
 * The subset, one document, line by line (anything else is refused):
 * - only `\n` line ends, no tab anywhere, no control, surrogate, BOM, NEL or U+2028/U+2029
 *   character; no line starting with `---` or `...`; nesting at most {@link MAX_DEPTH} deep;
 * - the document is a block mapping or a block sequence; lines that are blank or only a comment
 *   are skipped (but see plain scalars below);
 * - a block mapping is `key: value` lines at one indentation; a key is a word of
 *   `[A-Za-z0-9_.][A-Za-z0-9_./-]*` that is a string or a boolean (not a number or null), or a
 *   quoted scalar without escapes, followed directly by `:` and a space or the line end; never
 *   `<<` (a merge key) or `__proto__`, never twice;
 * - a block sequence is `- ` items at one indentation, which may be the indentation of the key
 *   it is the value of (YAML 1.2 §8.2.3, which js-yaml and go-yaml both accept); an item may
 *   start a compact mapping (`- key: value`, the mapping's indentation is its first key's
 *   column); an item with no value may not be followed by a `- ` line indented less (js-yaml
 *   reads that line as an item of the same sequence);
 * - a value is empty (a nested block collection on the next lines, or null), `[]`, `{}`, a
 *   single-line quoted scalar or a single-line plain scalar, followed by nothing or a ` #`
 *   comment. A plain scalar does not start with an indicator (`-?:,[]{}#&*!|>'"%@` and the
 *   backtick, except `-` before a non-space, as js-yaml's readPlainScalar and go-yaml's
 *   scanner allow), does not hold `: ` or end in `:`, ends at ` #`, and loses trailing spaces;
 *   the next non-blank line, comment or not, must not be indented further than the key or
 *   dash that owns the scalar, since a plain scalar would continue there (js-yaml:
 *   readPlainScalar reads on while the line is indented past its parent, `lineIndent >=
 *   nodeIndent` with nodeIndent = parent + 1).
 *
 * Why the value is the same: within the subset each reader builds the same tree from the
 * indentation (the checks above are where js-yaml's readBlockMapping and readBlockSequence
 * throw "bad indentation", which this reader refuses), and each scalar gets its value from the
 * same place: a plain scalar, key or value, from {@link plainScalarValue}, the function the
 * schema's implicit type resolves and constructs with; a number that is not finite is refused,
 * as the schema throws for it. A plain key must resolve to a string or a boolean, which is
 * named `String(value)` as js-yaml's storeMappingPair does (so `yes:` is the key `true`, as
 * sigs.k8s.io/yaml's FormatBool names it). A quoted scalar is a string with no
 * resolution; in double quotes only the escapes `\\`, `\"`, `\n`, `\t` and `\r` are
 * read, any other backslash is refused (`\/` too: go-yaml v2 refuses it, js-yaml reads
 * it). Objects are plain `{}` objects filled in document order (so JavaScript's own key
 * order applies to both), arrays plain arrays.
 */
export function readBlockSubset(text: string): unknown {
  if (UNSUPPORTED.test(text)) return undefined;
  try {
    return read(text);
  } catch (e) {
    if (e === NOT_IN_SUBSET) return undefined;
    throw e;
  }
}

/** Characters outside the subset (lines that js-yaml reads as document markers are refused by {@link nextLine}). */
const UNSUPPORTED = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** A plain key; its value is still resolved (`yes`, `0x10`, `1_000` are not strings). */
const PLAIN_KEY = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;
// Not `\/`: js-yaml reads it (YAML 1.2), go-yaml v2 refuses it.
const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", t: "\t", r: "\r" };
/** 1 for the characters that cannot start a plain scalar (`-` is checked apart: it may start one before a non-space). */
const INDICATORS = new Uint8Array(128);
for (const c of "?:,[]{}#&*!|>'\"%@`") INDICATORS[c.charCodeAt(0)] = 1;
/**
 * go-yaml drops a possible simple key whose `:` comes more than 1,024 characters after its start
 * (scannerc.go yaml_parser_stale_simple_keys), so Kubernetes refuses such a key where js-yaml
 * reads it; reader-disagreements.ts refuses it on the slow path.
 */
export const MAX_KEY_LENGTH = 1024;
/** Block collections nested deeper are refused (js-yaml's default maxDepth is 100 nodes). */
const MAX_DEPTH = 50;
/** Past every position and indentation of a text (and a small integer to V8). */
const NONE = 0x3fffffff;
/** No limit on the indentation of the next line. */
const ANY_INDENT = NONE;
const NOT_IN_SUBSET = new Error("not in the block subset");

function refuse(): never {
  throw NOT_IN_SUBSET;
}

/*
 * How it reads. It runs on every document verify reads, in a process that is over in a second,
 * so it is written to be cheap before V8 has optimized it, and cheap for V8 to optimize: read()
 * calls step() once per content line, with the open collections on an explicit stack rather
 * than a function per kind of node calling the others (V8 compiled those recursive functions,
 * with everything they inline, more than once, and on one core the compiling cost more than it
 * saved), and the text is read in place by position (no copy of a line is made). The state
 * below is shared by every document: one is read at a time (reading is synchronous and never
 * re-entered).
 */

/** The current content line: where it starts, its indentation (-1: past the text's end), where it ends (its `\n`, or the text's end). */
let lineStart = 0;
let indent = 0;
let lineEnd = 0;
/** Where the line after the current one starts (one past the text's end after the last line). */
let nextStart = 0;

/**
 * Moves to the next line that is neither blank nor only a comment, or past the text's end
 * (indent -1). The first line that is not blank, comment or not, may be indented at most
 * `limit`: a plain scalar would continue on it. No line may start with `---` or `...` (js-yaml
 * reads them as document markers).
 */
function nextLine(text: string, limit: number): void {
  const length = text.length;
  while (nextStart <= length) {
    const start = nextStart;
    let end = text.indexOf("\n", start);
    if (end === -1) end = length;
    nextStart = end + 1;
    let i = start;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    if (i === end) continue;
    if (i - start > limit) refuse();
    limit = ANY_INDENT;
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) continue;
    if (i === start && (c === 0x2d /* - */ || c === 0x2e) /* . */ && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c) refuse();
    lineStart = start;
    indent = i - start;
    lineEnd = end;
    return;
  }
  indent = -1;
}

/** Whether there is a `- ` item marker at `at` on the current line. */
function isItem(text: string, at: number): boolean {
  return text.charCodeAt(at) === 0x2d /* - */ && (at + 1 === lineEnd || text.charCodeAt(at + 1) === 0x20);
}

/** The open block collections, outermost first, the column of each, and the innermost's index. */
let open: (unknown[] | Record<string, unknown>)[] = [];
let columns: number[] = [];
let top = 0;
/**
 * Whether the top collection's last entry (an item, or the key `key`) has no value on its line:
 * its value is then the block collection on the next lines, or null.
 */
let empty = false;
let key = "";

/** The document: a block collection, read line by line. */
function read(text: string): unknown {
  nextStart = 0;
  // The first `: ` and ` #` (searched here rather than at the first colonAfter and commentAfter:
  // in a text without a comment, commentAfter's search is then no branch that runs once).
  colonFrom = commentFrom = -1;
  colonAt = text.indexOf(": ");
  if (colonAt === -1) colonAt = NONE;
  commentAt = text.indexOf(" #");
  if (commentAt === -1) commentAt = NONE;
  nextLine(text, ANY_INDENT);
  if (indent === -1) refuse();
  const root = isItem(text, lineStart + indent) ? [] : {};
  open = [root];
  columns = [indent];
  top = 0;
  empty = false;
  while (indent !== -1) step(text);
  // The text's end: an entry with no value is null, and the open collections end.
  if (empty) setValue(null);
  return root;
}

/** Sets the value of the top collection's last entry: its item, or the value of its key `key`. */
function setValue(value: unknown): void {
  const node = open[top]!;
  if (Array.isArray(node)) node.push(value);
  else node[key] = value;
}

/** Reads the current line into the open collections, and moves to the next. */
function step(text: string): void {
  if (empty) {
    empty = false;
    const col = columns[top]!;
    const inMapping = !Array.isArray(open[top]);
    // A collection indented past the key or item, or (for a key) a sequence at its column.
    if (indent > col || (indent === col && inMapping && isItem(text, lineStart + col))) {
      if (top + 1 >= MAX_DEPTH) refuse();
      const value = isItem(text, lineStart + indent) ? [] : {};
      setValue(value);
      open[++top] = value;
      columns[top] = indent;
    } else {
      // After an item with no value, js-yaml reads the next `- ` line as an item of this
      // sequence even when it is indented less (loader.js, readBlockSequence).
      if (!inMapping && indent < col && isItem(text, lineStart + indent)) refuse();
      setValue(null);
    }
  }
  // Close the collections that the line does not continue: a mapping goes on with a key at its
  // column, a sequence with a `- ` there; a line indented further than either is refused.
  let col = columns[top]!;
  let node = open[top]!;
  while (indent !== col || Array.isArray(node) !== isItem(text, lineStart + col)) {
    if (indent > col) refuse();
    // A line after the root collection.
    if (--top < 0) refuse();
    col = columns[top]!;
    node = open[top]!;
  }

  // An entry: a key of a mapping, or an item of a sequence (maybe the first key of a mapping).
  const inSequence = Array.isArray(node);
  let at = lineStart + col;
  if (inSequence) {
    at++;
    while (text.charCodeAt(at) === 0x20) at++;
  }
  const colon = keyColon(text, at);
  if (colon !== -1) {
    if (inSequence) {
      // `- key: ...`: a mapping whose column is its first key's.
      if (top + 1 >= MAX_DEPTH) refuse();
      node = {};
      setValue(node);
      open[++top] = node;
      columns[top] = col = at - lineStart;
    }
    key = keyName(text, at, colon);
    if (key === "<<" || key === "__proto__" || Object.hasOwn(node, key)) refuse();
    at = colon + 1;
    while (text.charCodeAt(at) === 0x20) at++;
  } else if (!inSequence) refuse();
  // The value: nothing on the line (see `empty`), or a scalar that ends it, which would go on
  // on a next line indented past its key or item.
  empty = at === lineEnd || text.charCodeAt(at) === 0x23 /* # */;
  if (!empty) setValue(scalar(text, at));
  nextLine(text, empty ? ANY_INDENT : col);
}

/**
 * Where the next `: ` and ` #` are (a key's end, and a comment's start with the space before it),
 * kept from the last search while still valid: most lines hold one `: ` and no ` #`, and a search
 * runs to the next one. colonAt is the first `: ` at or after colonFrom ({@link NONE} when there
 * is none), commentAt the first ` #` at or after commentFrom.
 */
let colonFrom = 0;
let colonAt = 0;
let commentFrom = 0;
let commentAt = 0;

function colonAfter(text: string, at: number): number {
  if (at < colonFrom || at > colonAt) {
    colonFrom = at;
    colonAt = text.indexOf(": ", at);
    if (colonAt === -1) colonAt = NONE;
  }
  return colonAt;
}

function commentAfter(text: string, at: number): number {
  if (at < commentFrom || at > commentAt) {
    commentFrom = at;
    commentAt = text.indexOf(" #", at);
    if (commentAt === -1) commentAt = NONE;
  }
  return commentAt;
}

/*
 * keyColon and the plain scalar in scalar() find a key's end and a comment with colonAfter and
 * commentAfter, with no branch for the rare cases (a `:` or `#` inside a scalar): V8 throws
 * optimized code away when it reaches a branch that had not run before the code was compiled,
 * and compiling again costs more than the branch saves in a short run.
 */

/**
 * Where the `:` of the key at `at` on the current line is, or -1 when there is no key there
 * (the line's end or a ` #` comes first): the first `:` followed by a space or the line's end.
 */
function keyColon(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 0x22 /* " */ || c === 0x27 /* ' */) return quotedKeyColon(text, at, c);
  let colon = colonAfter(text, at);
  if (colon >= lineEnd) colon = text.charCodeAt(lineEnd - 1) === 0x3a /* : */ ? lineEnd - 1 : -1;
  // A `#` after a space before it starts a comment (the space may come just before `at`).
  return commentAfter(text, at - 1) < colon - 1 ? -1 : colon;
}

/** keyColon for a quoted key (no escapes, no `''`): its closing quote, then `:` and a space or the line's end. */
function quotedKeyColon(text: string, at: number, quote: number): number {
  let i = at + 1;
  if (quote === 0x22) while (i < lineEnd && text.charCodeAt(i) !== 0x22 && text.charCodeAt(i) !== 0x5c /* \ */) i++;
  else while (i < lineEnd && text.charCodeAt(i) !== 0x27) i++;
  if (i === lineEnd || text.charCodeAt(i) !== quote || text.charCodeAt(i + 1) !== 0x3a) return -1;
  return i + 2 === lineEnd || text.charCodeAt(i + 2) === 0x20 ? i + 1 : -1;
}

/** The property name of the key text[at, colon). */
function keyName(text: string, at: number, colon: number): string {
  if (colon - at > MAX_KEY_LENGTH) refuse();
  const c = text.charCodeAt(at);
  return c === 0x22 || c === 0x27 ? text.slice(at + 1, colon - 1) : plainKey(text, at, colon);
}

/** The scalar (or `[]`, `{}`) at `at` that ends the current line. */
function scalar(text: string, at: number): unknown {
  const c = text.charCodeAt(at);
  if (c === 0x22 /* " */) {
    let i = at + 1;
    let escaped = false;
    for (let ch = text.charCodeAt(i); ch !== 0x22; ch = text.charCodeAt(i)) {
      if (i >= lineEnd) refuse();
      if (ch === 0x5c /* \ */) {
        if (!Object.hasOwn(ESCAPES, text.charAt(i + 1))) refuse();
        escaped = true;
        i++;
      }
      i++;
    }
    endsLine(text, i + 1);
    const value = text.slice(at + 1, i);
    return escaped ? value.replace(/\\(.)/g, (_, e: string) => ESCAPES[e]!) : value;
  }
  if (c === 0x27 /* ' */) {
    let i = at + 1;
    for (;;) {
      if (i >= lineEnd) refuse();
      if (text.charCodeAt(i) === 0x27) {
        if (text.charCodeAt(i + 1) !== 0x27) break;
        i++;
      }
      i++;
    }
    endsLine(text, i + 1);
    return text.slice(at + 1, i).replaceAll("''", "'");
  }
  if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
    if (text.charCodeAt(at + 1) !== c + 2 /* ] or } */) refuse();
    endsLine(text, at + 2);
    return c === 0x5b ? [] : {};
  }
  if ((c < 128 && INDICATORS[c] === 1) || (c === 0x2d /* - */ && (at + 1 === lineEnd || text.charCodeAt(at + 1) === 0x20))) refuse();
  // A plain scalar: up to a ` #` comment, without trailing spaces; a `: ` (or `:` at the line's
  // end) would make it a key.
  let end = commentAfter(text, at);
  if (end > lineEnd) end = lineEnd;
  if (colonAfter(text, at) < end || (end === lineEnd && text.charCodeAt(end - 1) === 0x3a)) refuse();
  let last = end;
  do last--;
  while (text.charCodeAt(last) === 0x20);
  last++;
  const value = plainScalarValue(text.slice(at, last));
  // The schema refuses numbers JSON cannot hold (kubernetes-schema.ts).
  if (typeof value === "number" && !Number.isFinite(value)) refuse();
  return value;
}

/** Refuses unless the line ends at `at`, after spaces, or a ` #` comment follows. */
function endsLine(text: string, at: number): void {
  let i = at;
  while (text.charCodeAt(i) === 0x20) i++;
  if (i !== lineEnd && (i === at || text.charCodeAt(i) !== 0x23)) refuse();
}

/**
 * The last plain key read for each first character and length, with its property name: keys
 * repeat from document to document, and one met again is neither copied nor resolved again
 * (and the same string makes a faster property name).
 */
const KEYS = new Map<number, { raw: string; name: string }>();

/** The property name of the plain key text[at, end). */
function plainKey(text: string, at: number, end: number): string {
  const slot = (end - at) * 0x10000 + text.charCodeAt(at);
  const known = KEYS.get(slot);
  if (known !== undefined && text.startsWith(known.raw, at)) return known.name;
  const raw = text.slice(at, end);
  if (!PLAIN_KEY.test(raw)) refuse();
  const value = plainScalarValue(raw);
  // A key that resolves to a number or null is left to js-yaml: sigs.k8s.io/yaml names a float
  // key in float32 `g` form (`1e6` is "1e+06", not "1000000") and refuses a null key.
  if (typeof value !== "string" && typeof value !== "boolean") refuse();
  const name = String(value);
  if (raw.length <= 64) KEYS.set(slot, { raw, name });
  return name;
}
