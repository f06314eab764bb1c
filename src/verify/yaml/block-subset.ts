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
    return new Reader(text).document();
  } catch (e) {
    if (e === NOT_IN_SUBSET) return undefined;
    throw e;
  }
}

/** Characters outside the subset, and lines that js-yaml reads as document markers. */
const UNSUPPORTED = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|^(?:---|\.\.\.)/m;
/** A plain key; its value is still resolved (`yes`, `0x10`, `1_000` are not strings). */
const PLAIN_KEY = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;
// Sticky patterns, tried at a position of the text: a quoted key (no escapes) with its `:`, and
// values that end their line, maybe with a comment after a space.
const QUOTED_KEY = /"([^"\\\n]*)":(?= |\n|$)|'([^'\n]*)':(?= |\n|$)/y;
/** A plain key of {@link PLAIN_KEY}'s characters directly followed by its `:` (the common case, matched natively). */
const WORD_KEY = /[A-Za-z0-9_.][A-Za-z0-9_./-]*:(?= |\n|$)/y;
/** A plain scalar with no `:`, `#` or quote in it, up to trailing spaces and the line end (the common case). */
const WORD_SCALAR = /[^ \n:#]+(?: +[^ \n:#]+)*(?= *(?:\n|$))/y;
const DOUBLE_QUOTED = /"((?:[^"\\\n]|\\["\\ntr])*)"(?: +#[^\n]*| *)(?=\n|$)/y;
const SINGLE_QUOTED = /'((?:[^'\n]|'')*)'(?: +#[^\n]*| *)(?=\n|$)/y;
const EMPTY_FLOW = /(?:\[\]|\{\})(?: +#[^\n]*| *)(?=\n|$)/y;
// Not `\/`: js-yaml reads it (YAML 1.2), go-yaml v2 refuses it.
const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", t: "\t", r: "\r" };
/** Characters that cannot start a plain scalar (`-` is checked apart: it may start one before a non-space). */
const INDICATORS = new Set("?:,[]{}#&*!|>'\"%@`");
/**
 * go-yaml drops a possible simple key whose `:` comes more than 1,024 characters after its start
 * (scannerc.go yaml_parser_stale_simple_keys), so Kubernetes refuses such a key where js-yaml
 * reads it; reader-disagreements.ts refuses it on the slow path.
 */
export const MAX_KEY_LENGTH = 1024;
/** Block collections nested deeper are refused (js-yaml's default maxDepth is 100 nodes). */
const MAX_DEPTH = 50;
const NOT_IN_SUBSET = new Error("not in the block subset");

function refuse(): never {
  throw NOT_IN_SUBSET;
}

/**
 * Reads the text in place, by line number and offset (no copy of a line is made: this runs on
 * every document verify reads, and garbage costs more than the reading).
 */
/**
 * The line tables of the document being read, shared by every Reader and grown as needed: one
 * document is read at a time (reading is synchronous and never re-entered), and tables made per
 * document were most of the garbage of reading thousands of them.
 */
let starts = new Int32Array(1024);
let indents = new Int32Array(1024);
let comments = new Uint8Array(1024);

function grow(): void {
  const size = starts.length * 2;
  const [s, i, c] = [new Int32Array(size), new Int32Array(size), new Uint8Array(size)];
  s.set(starts);
  i.set(indents);
  c.set(comments);
  [starts, indents, comments] = [s, i, c];
}

/**
 * Fills the line tables for a text and returns its number of lines. Nothing follows the loop:
 * V8 compiles a long loop while it runs, and code after it that has not run yet would send
 * that compiled loop back to the interpreter each time it ends.
 */
function indexLines(text: string): number {
  let n = 0;
  for (let s = 0; s <= text.length; n++) {
    const lf = text.indexOf("\n", s);
    const e = lf === -1 ? text.length : lf;
    let i = s;
    // Bounded by the line's end: reading past the text's end sends optimized code back to the interpreter.
    while (i < e && text.charCodeAt(i) === 0x20) i++;
    if (n + 1 >= starts.length) grow();
    starts[n] = s;
    indents[n] = i === e ? -1 : i - s;
    comments[n] = i < e && text.charCodeAt(i) === 0x23 /* # */ ? 1 : 0;
    s = e + 1;
    // One past the line's end: the start of the next line, and for the last one, text.length + 1.
    starts[n + 1] = s;
  }
  return n;
}

class Reader {
  /** The number of lines; line n starts at starts[n] (and starts[lines] is one past the text), has
   * indents[n] leading spaces (-1: blank) and comments[n] is 1 when it holds only a comment. */
  private readonly lines: number;
  /** The next line to read after the node just read: not blank, not a comment. */
  private pos = 0;
  /** After keyAt: where the key's value starts. */
  private valueAt = 0;

  constructor(private readonly text: string) {
    this.lines = indexLines(text);
  }

  document(): unknown {
    const first = this.nextContent(0);
    if (first === this.lines) refuse();
    const value = this.block(first, 0);
    if (this.pos !== this.lines) refuse();
    return value;
  }

  /** The first line at or after `from` that is neither blank nor only a comment. */
  private nextContent(from: number): number {
    let n = from;
    while (n < this.lines && (indents[n] === -1 || comments[n])) n++;
    return n;
  }

  private end(n: number): number {
    return starts[n + 1]! - 1;
  }

  /** Whether line n has a `- ` item marker at column col. */
  private isItem(n: number, col: number): boolean {
    const at = starts[n]! + col;
    return this.text.charCodeAt(at) === 0x2d /* - */ && (at + 1 === this.end(n) || this.text.charCodeAt(at + 1) === 0x20);
  }

  /** Whether the value starting at `at` is empty: the line ends, or a comment starts. */
  private isEmpty(n: number, at: number): boolean {
    return at === this.end(n) || this.text.charCodeAt(at) === 0x23 /* # */;
  }

  /** The block collection whose first line is `n`, at that line's indentation. */
  private block(n: number, depth: number): unknown {
    const col = indents[n]!;
    return this.isItem(n, col) ? this.sequence(n, col, depth) : this.mapping(n, col, depth);
  }

  private sequence(start: number, col: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) refuse();
    const items: unknown[] = [];
    let n = start;
    while (n < this.lines && indents[n] === col && this.isItem(n, col)) {
      let at = starts[n]! + col + 1;
      while (this.text.charCodeAt(at) === 0x20) at++;
      if (this.isEmpty(n, at)) {
        const value = this.nested(n, col, false, depth);
        // After an item with no value, js-yaml reads the next `- ` line as an item of this
        // sequence even when it is indented less (loader.js, readBlockSequence).
        const next = this.pos;
        if (value === null && next < this.lines && indents[next]! < col && this.isItem(next, indents[next]!)) refuse();
        items.push(value);
      } else if (this.keyAt(n, at) !== undefined) items.push(this.mapping(n, at - starts[n]!, depth + 1));
      else items.push(this.scalar(n, at, col));
      n = this.pos;
    }
    if (n < this.lines && indents[n]! > col) refuse();
    this.pos = n;
    return items;
  }

  /** A mapping at column `col` whose first key is on line `start` (maybe after `- `). */
  private mapping(start: number, col: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) refuse();
    const map: Record<string, unknown> = {};
    for (let n = start; ; ) {
      const key = this.keyAt(n, starts[n]! + col);
      if (key === undefined || key === "<<" || key === "__proto__" || Object.hasOwn(map, key)) refuse();
      const at = this.valueAt;
      map[key] = this.isEmpty(n, at) ? this.nested(n, col, true, depth) : this.scalar(n, at, col);
      n = this.pos;
      if (n === this.lines || indents[n]! < col) return map;
      if (indents[n]! > col) refuse();
      if (this.isItem(n, col)) return map;
    }
  }

  /**
   * The value of a key or item with nothing after it on line `n`: the block collection on the
   * next lines when they are indented past `col` (or, for a key, a sequence at `col`), else null.
   */
  private nested(n: number, col: number, isKey: boolean, depth: number): unknown {
    const next = this.nextContent(n + 1);
    this.pos = next;
    if (next === this.lines) return null;
    if (indents[next]! > col) return this.block(next, depth + 1);
    if (isKey && indents[next] === col && this.isItem(next, col)) return this.sequence(next, col, depth + 1);
    return null;
  }

  /**
   * The key (as the property name) at `at` on line n, with valueAt set to where its value
   * starts; undefined when there is no key there (the line's end or a ` #` comes first).
   */
  private keyAt(n: number, at: number): string | undefined {
    const { text } = this;
    const end = this.end(n);
    let name: string | undefined;
    let i: number;
    const c = text.charCodeAt(at);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      QUOTED_KEY.lastIndex = at;
      const m = QUOTED_KEY.exec(text);
      if (m === null) return undefined;
      [name, i] = [m[1] ?? m[2], QUOTED_KEY.lastIndex];
      if (i - 1 - at > MAX_KEY_LENGTH) refuse();
    } else {
      // The colon: after a word (matched natively), else found character by character.
      WORD_KEY.lastIndex = at;
      if (WORD_KEY.test(text)) i = WORD_KEY.lastIndex - 1;
      else {
        for (i = at; i < end; i++) {
          const ch = text.charCodeAt(i);
          if (ch === 0x23 /* # */ && text.charCodeAt(i - 1) === 0x20) return undefined;
          if (ch === 0x3a /* : */ && (i + 1 === end || text.charCodeAt(i + 1) === 0x20)) break;
        }
        if (i === end) return undefined;
      }
      if (i - at > MAX_KEY_LENGTH) refuse();
      name = plainKey(text, at, i++);
    }
    while (text.charCodeAt(i) === 0x20) i++;
    this.valueAt = i;
    return name;
  }

  /** The scalar (or `[]`, `{}`) at `at` that ends line `n`, owned by the key or item marker at `owner`. */
  private scalar(n: number, at: number, owner: number): unknown {
    // A plain scalar would continue on the next line that is not blank (even a comment) when it
    // is indented past the scalar's owner; quoted scalars and `[]` are kept to the same rule.
    let next = n + 1;
    while (next < this.lines && indents[next] === -1) next++;
    if (next < this.lines && indents[next]! > owner) refuse();
    this.pos = this.nextContent(next);

    const { text } = this;
    const c = text[at]!;
    if (c === '"') {
      const value = this.match(DOUBLE_QUOTED, at)[1]!;
      return value.includes("\\") ? value.replace(/\\(.)/g, (_, e: string) => ESCAPES[e]!) : value;
    }
    if (c === "'") return this.match(SINGLE_QUOTED, at)[1]!.replaceAll("''", "'");
    if (c === "[" || c === "{") {
      this.match(EMPTY_FLOW, at);
      return c === "[" ? [] : {};
    }
    if (INDICATORS.has(c) || (c === "-" && (at + 1 === this.end(n) || text.charCodeAt(at + 1) === 0x20))) refuse();
    // A plain scalar: up to a ` #` comment, without trailing spaces; a `: ` (or `:` at the end)
    // would make it a key.
    // Its end: after words without `:` or `#` (matched natively), else found character by character.
    WORD_SCALAR.lastIndex = at;
    let last = at;
    if (WORD_SCALAR.test(text)) last = WORD_SCALAR.lastIndex;
    else {
      const end = this.end(n);
      for (let i = at; i < end; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 0x20) continue;
        if (ch === 0x23 /* # */ && text.charCodeAt(i - 1) === 0x20) break;
        if (ch === 0x3a /* : */ && (i + 1 === end || text.charCodeAt(i + 1) === 0x20)) refuse();
        last = i + 1;
      }
    }
    return finite(plainScalarValue(text.slice(at, last)));
  }

  /** A sticky pattern's match at `at`, or refuse. */
  private match(pattern: RegExp, at: number): RegExpExecArray {
    pattern.lastIndex = at;
    return pattern.exec(this.text) ?? refuse();
  }
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

/** The schema refuses numbers JSON cannot hold (kubernetes-schema.ts). */
function finite<T>(value: T): T {
  if (typeof value === "number" && !Number.isFinite(value)) refuse();
  return value;
}
