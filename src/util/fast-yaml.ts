/**
 * A hand-tuned reader for the block-YAML subset that Kubernetes and Istio manifests use
 * (block mappings and sequences, single-line scalars, one-line flow collections of scalars,
 * literal and folded block scalars), giving exactly the value js-yaml's
 * `load(text, { schema: CORE_SCHEMA })` gives. It is several times faster than js-yaml on such
 * input because it walks the text once with charCodeAt and never builds per-line strings.
 *
 * It is not a YAML parser: whenever a document uses anything outside the subset (anchors,
 * aliases, tags, explicit keys, multi-line flow or plain or quoted scalars, tabs outside
 * quoted and block scalars, CR line ends, duplicate keys, anything js-yaml would reject, ...)
 * it gives up on that document, and the caller loads it with js-yaml instead. When in doubt it
 * gives up: a document it accepts must load to the same value with js-yaml.
 */
import jsyaml from "js-yaml";
import { readFileSync } from "node:fs";

/** One YAML document of a stream. */
export interface FastDocument {
  /** The parsed value, exactly what js-yaml CORE_SCHEMA gives; undefined when this parser gave up on the document (caller falls back). */
  readonly value: unknown;
  /** false when the parser gave up on this document. */
  readonly ok: boolean;
  /** 1-based line of the document's first line that is not blank, not a comment and not a `---` marker (or of its start when it has none). */
  readonly line: number;
  /** Character offsets [start, end) of the document's text in the input: from that first content line to the line before the next `---` marker (or end of input). */
  readonly start: number;
  readonly end: number;
  /** true when the document has no content (only blanks/comments): js-yaml gives undefined/null for it. */
  readonly empty: boolean;
}

interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

/** js-yaml's own implicit resolvers of the core schema (null, bool, int, float), in its order. */
const CORE_IMPLICIT: readonly ImplicitType[] = ((schema: { compiledImplicit?: ImplicitType[]; implicit?: ImplicitType[] }) =>
  schema.compiledImplicit ?? schema.implicit ?? [])(jsyaml.CORE_SCHEMA as unknown as { compiledImplicit?: ImplicitType[] });

/**
 * Whether those resolvers behave as this module expects; if a js-yaml version did not expose
 * them, every plain scalar that might not be a string gives up.
 */
const RESOLVERS_OK = ((): boolean => {
  const resolve = (s: string): unknown => {
    for (const t of CORE_IMPLICIT) if (t.resolve(s)) return t.construct(s);
    return s;
  };
  return (
    CORE_IMPLICIT.length === 4 &&
    resolve("~") === null &&
    resolve("True") === true &&
    resolve("0x1F") === 31 &&
    resolve(".5") === 0.5 &&
    resolve("yes") === "yes" &&
    resolve("2024-01-01") === "2024-01-01"
  );
})();

/** Nesting deeper than this gives up (js-yaml itself stops at a depth of 100). */
const MAX_DEPTH = 50;

/** Thrown (never escapes this module) to abandon the current document. */
const GIVE_UP: { readonly giveUp: true } = { giveUp: true };
function fail(): never {
  throw GIVE_UP;
}

// Character codes.
const LF = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;

// ---------------------------------------------------------------------------------------------
// Parser state for the document being read, in module-level `var`s (V8 reads and writes them
// measurably faster than `let`s, which it checks for the temporal dead zone). src always ends
// with a line feed (parseYamlStream and parseYamlDocument append one when the input does not),
// so scans that stop at a line feed never run past the end of a line.

var src = "";
var end = 0;
/** Current position. After a node is read: the first non-space character of the next content line. */
var pos = 0;
/** Start of the current content line. */
var lineStart = 0;
/** Indentation (spaces) of the current content line; -1 at the end of the document. */
var indent = -1;
var depth = 0;
/** 1-based number of the line toLine or blockScalar is looking at. */
var lineNo = 1;
/** In a stream, a `---` marker line ends the document; in a single document it gives up. */
var streamMode = false;
/** Where the document ended (the start of the `---` marker line, or end), once indent is -1. */
var docEnd = 0;
/** Start of the line after that marker line, or -1 when the document ended at the end of the input. */
var nextDoc = -1;
/** Line number of that marker line. */
var markerLine = 0;

/** Thrown (never escapes this module) when the stream cannot be split safely. */
const STREAM_UNSAFE: { readonly unsafe: true } = { unsafe: true };

/**
 * Classifies the line at p (column 0) that starts with `-`, `.` or `%`: 0 for content, 1 for
 * a `---` marker line (`/^---\s*$/`), 2 for a line js-yaml splits or reads differently than
 * such markers (a `%` directive, a `...` document end marker, `---` followed by content, or by
 * a space character js-yaml does not take for a separator).
 */
function classifyLine(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c === 37) return 2; // % directive
  if (s.charCodeAt(p + 1) !== c || s.charCodeAt(p + 2) !== c) return 0;
  const d = s.charCodeAt(p + 3);
  const separator = d === LF || d === SPACE || d === TAB || d === 13;
  if (c === 46) return separator ? 2 : 0; // `...` document end marker
  if (d === LF) return 1;
  const rest = s.slice(p + 3, s.indexOf("\n", p));
  if (separator) return /^[ \t\r]*$/.test(rest) ? 1 : 2; // `--- !tag`, `--- |`, `--- # c`, ...
  return /^\s*$/.test(rest) ? 2 : 0; // `---` then a non-YAML space: a marker line for us, not for js-yaml
}

/** Moves to the first content line (not blank, not a comment) at or after line start p, whose number is lineNo. */
function toLine(p: number): void {
  const s = src;
  for (;;) {
    if (p >= end) {
      indent = -1;
      pos = docEnd = end;
      nextDoc = -1;
      return;
    }
    const q = skipSpaces(s, p);
    const c = s.charCodeAt(q);
    if (c === LF) {
      p = q + 1;
      lineNo++;
      continue;
    }
    if (c === HASH) {
      p = s.indexOf("\n", q) + 1;
      lineNo++;
      continue;
    }
    if (c === TAB) fail();
    if (q === p && (c === DASH || c === 46 || c === 37)) {
      // Column 0: `---` and `...` markers, `%` directives. Plain scalars starting with `---`
      // or `...` are left to js-yaml, which reads them differently at the start of a document.
      if (streamMode) {
        const kind = classifyLine(s, p);
        if (kind === 2) throw STREAM_UNSAFE;
        if (kind === 1) {
          indent = -1;
          pos = docEnd = p;
          nextDoc = s.indexOf("\n", p) + 1;
          markerLine = lineNo;
          return;
        }
      }
      if (c === 37 || (s.charCodeAt(p + 1) === c && s.charCodeAt(p + 2) === c)) fail();
    }
    lineStart = p;
    indent = q - p;
    pos = q;
    return;
  }
}

/** Moves to the first content line after the line ending with the line feed at nl. */
function nextLine(nl: number): void {
  lineNo++;
  toLine(nl + 1);
}

/** After a complete node on a line: only spaces and a comment may follow. Moves to the next content line. */
function endOfLine(p: number): void {
  const s = src;
  let c = s.charCodeAt(p);
  while (c === SPACE) c = s.charCodeAt(++p);
  if (c === LF) {
    nextLine(p);
    return;
  }
  if (c === HASH && s.charCodeAt(p - 1) === SPACE) {
    nextLine(s.indexOf("\n", p));
    return;
  }
  fail();
}

function isSeqEntry(p: number): boolean {
  if (src.charCodeAt(p) !== DASH) return false;
  const n = src.charCodeAt(p + 1);
  return n === SPACE || n === LF;
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

// ---------------------------------------------------------------------------------------------
// Scalars

/** How scanPlain stopped. */
const STOP_EOL = 0;
const STOP_COLON = 1;
const STOP_COMMENT = 2;
const STOP_FLOW = 3;
/** End (exclusive) of the plain scalar's text after scanPlain, trailing spaces excluded. */
var plainEnd = 0;

/**
 * Characters js-yaml reads as something other than the start of a plain scalar (or rejects),
 * for the first character of a node: whitespace, flow indicators, `#&*!|>'"%@` and backtick.
 * Callers handle quotes, flow openers and block scalar indicators before asking.
 */
function cannotStartPlain(c: number, next: number, inFlow: boolean): boolean {
  switch (c) {
    case SPACE:
    case TAB:
    case LF:
    case 13:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case SQUOTE:
    case DQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
    case DASH:
    case 63: // ?
    case COLON:
      // `- `, `? ` are indicators; a plain scalar starting with `: ` would be empty.
      return next === SPACE || next === TAB || next === LF || next === 13 || (inFlow && isFlowIndicator(next));
    default:
      return false;
  }
}

/** js-yaml's check of a plain scalar's characters (PATTERN_NON_PRINTABLE), plus tabs and byte order marks; returns how many characters c takes. */
function unusualPlainChar(s: string, p: number, c: number): number {
  // Tabs (js-yaml treats them as separators), C0/C1 controls, DEL, U+FEFF, U+FFFE/U+FFFF.
  if (!(c > 0x9f) || c === 0xfeff || c >= 0xfffe) fail();
  if (c >= 0xd800 && c <= 0xdfff) {
    // A surrogate pair is fine; a lone surrogate is not printable for js-yaml.
    if (c >= 0xdc00) fail();
    const lo = s.charCodeAt(p + 1);
    if (!(lo >= 0xdc00 && lo <= 0xdfff)) fail();
    return 2;
  }
  return 1;
}

// Native scans. The parser often runs only once per process, mostly in V8's interpreter, where
// every iteration of a JavaScript loop over characters costs many bytecodes; a sticky RegExp
// (or indexOf) does the same scan natively whatever tier the caller is in. Each of these only
// skips characters that need no further thought and stops on anything else, which the code
// after it examines one character at a time as before.

/** Runs of printable ASCII and spaces but `#` and `:`: the characters a plain scalar takes without a look around. */
const PLAIN_RUN = /[ -"$-9;-~]*/y;
/** Runs of spaces. */
const SPACE_RUN = / */y;
/** Runs of what a double-quoted scalar takes literally: not `"`, backslashes, line feeds or control characters but tabs. */
const DQ_RUN = /[^"\\\x00-\x08\x0a-\x1f]*/y;
/** Runs of what a single-quoted scalar takes literally: not `'`, line feeds or control characters but tabs. */
const SQ_RUN = /[^'\x00-\x08\x0a-\x1f]*/y;
/** Runs of tabs and printable ASCII: characters checkPrintable lets pass without a look. */
const PRINTABLE_RUN = /[\t -~]*/y;

// Whole lines of the most common shapes, `key: scalar`, `key:` and `- scalar`, each read by one
// sticky RegExp from the line's first non-space character through the line feed and the next
// line's indentation (and `- key:` up to the key). They only match lines the char-by-char path
// reads the same way, followed by a line toLine would stop at directly, and anything else
// (comments, tabs, non-ASCII, escapes, flow collections, block scalars, keys or values with
// spaces around a colon, a blank line next, ...) does not match and takes that path.

/** The rest of a plain word after its first character: printable ASCII but spaces, and `:` only when a printable character but `:` follows. */
const WORD_REST = String.raw`[!-9;-~]*(?::[!-9;-~]+)*`;
/** More words of a plain scalar: after spaces, words that do not start with `#` (that is a comment), nor with `:` but before a printable character but `:`. */
const MORE_WORDS = String.raw`(?: +(?:[!-"$-9;-~]|:[!-9;-~])${WORD_REST})*`;
/**
 * A one-line plain scalar of printable ASCII in block context: a first character that cannot
 * start anything else (cannotStartPlain), then words separated by spaces, where a word does
 * not start with `#` (a comment after a space), and `:` is followed by a printable character
 * other than `:` (so never `: ` nor `:` at the end). Trailing spaces are not part of it. Those
 * whose first character is not one mayBeNonString accepts (`$()/;<=\^_` and letters but
 * `fFnNtT`) are strings; the others (`+.0-9~fFnNtT`) go through resolvePlain.
 */
const PLAIN_STRING = String.raw`[$()/;<=A-EG-MO-SU-Z\\^_a-eg-mo-su-z]${WORD_REST}${MORE_WORDS}`;
const PLAIN_MAYBE = String.raw`[+.0-9~fFnNtT]${WORD_REST}${MORE_WORDS}`;
/**
 * A one-line scalar: a plain string (group 1), a plain scalar to resolve (group 2),
 * double-quoted without escapes (group 3) or single-quoted without `''` (group 4).
 */
const LINE_SCALAR = String.raw`(?:(${PLAIN_STRING})|(${PLAIN_MAYBE})|"([^"\\\x00-\x08\x0a-\x1f]*)"|'([^'\x00-\x08\x0a-\x1f]*)')`;
/** A plain key of ASCII letters, digits and `_./-`, starting with a letter or `_`. */
const SIMPLE_KEY = String.raw`[A-Za-z_][\w./-]*`;
/**
 * The line feed, then the next line's indentation (group, undefined for none), when that line
 * is one toLine stops at directly: not blank, not a comment, not starting with a tab, and at
 * column 0 not starting with `---`, `...` or `%` (markers and directives); or the end.
 */
const NEXT_LINE = String.raw`\n(?:( +)(?=[^\n\t #])|(?=[^-.%\n\t #]|-(?!--)|\.(?!\.\.)|$))`;
/**
 * `key: scalar` or `key:` with nothing after it: the key (group 1), the value's groups 2-5 (all
 * undefined for `key:`), then the next line's indentation (group 6).
 */
const KEY_LINE = new RegExp(String.raw`(${SIMPLE_KEY}):(?: +${LINE_SCALAR})? *${NEXT_LINE}`, "y");
/**
 * `- scalar`: the scalar's groups 1-4, then the next line's indentation (group 5); or the
 * `- ` before a `key:` that starts a mapping in the entry (all groups undefined).
 */
const SEQ_LINE = new RegExp(String.raw`- +(?:${LINE_SCALAR} *${NEXT_LINE}|(?=${SIMPLE_KEY}:[ \n]))`, "y");

// (blockMap and blockSeq inline the handling of these matches: function calls are expensive
// for code that has not been optimized yet.)

/** The first position at or after p that is not a space (src ends with a line feed, so there is one). */
function skipSpaces(s: string, p: number): number {
  SPACE_RUN.lastIndex = p;
  SPACE_RUN.test(s);
  return SPACE_RUN.lastIndex;
}

/** The end of the text before position p once the spaces just before p are dropped. */
function trimBack(s: string, p: number): number {
  while (s.charCodeAt(p - 1) === SPACE) p--;
  return p;
}

/**
 * Scans a one-line plain scalar in block context starting at pos (its first character already
 * checked, so it is not a space). Sets plainEnd and pos (at the stop: the line feed, the `:` of
 * `: ` or the `#` of ` #`) and returns how it stopped. Gives up on tabs and on characters
 * js-yaml rejects as non-printable (and on a byte order mark).
 */
function scanPlain(): number {
  const s = src;
  let p = pos;
  for (;;) {
    PLAIN_RUN.lastIndex = p;
    PLAIN_RUN.test(s);
    p = PLAIN_RUN.lastIndex;
    const c = s.charCodeAt(p);
    if (c === LF) {
      pos = p;
      plainEnd = trimBack(s, p);
      return STOP_EOL;
    }
    if (c === COLON) {
      const n = s.charCodeAt(p + 1);
      if (n === SPACE || n === LF) {
        pos = p;
        plainEnd = trimBack(s, p);
        return STOP_COLON;
      }
      p++;
    } else if (c === HASH) {
      if (s.charCodeAt(p - 1) === SPACE) {
        pos = p;
        plainEnd = trimBack(s, p);
        return STOP_COMMENT;
      }
      p++;
    } else {
      p += unusualPlainChar(s, p, c);
    }
  }
}

/** scanPlain inside a flow collection, where `,[]{}` also end a plain scalar. */
function scanPlainFlow(): number {
  const s = src;
  let p = pos;
  let last = p;
  for (;;) {
    const c = s.charCodeAt(p);
    if (c === LF) {
      pos = p;
      plainEnd = last;
      return STOP_EOL;
    }
    if (c === SPACE) {
      p++;
      continue;
    }
    if (c === COLON) {
      const n = s.charCodeAt(p + 1);
      if (n === SPACE || n === LF || isFlowIndicator(n)) {
        pos = p;
        plainEnd = last;
        return STOP_COLON;
      }
      p++;
    } else if (c === HASH) {
      if (s.charCodeAt(p - 1) === SPACE) {
        pos = p;
        plainEnd = last;
        return STOP_COMMENT;
      }
      p++;
    } else if (isFlowIndicator(c)) {
      pos = p;
      plainEnd = last;
      return STOP_FLOW;
    } else if (c > SPACE && c < 0x7f) {
      p++;
    } else {
      p += unusualPlainChar(s, p, c);
    }
    last = p;
  }
}

/** First characters of plain scalars that may resolve to something other than a string. */
function mayBeNonString(c: number): boolean {
  // + - . 0-9 ~ n N t T f F
  return (
    (c >= 48 && c <= 57) || c === 43 || c === DASH || c === 46 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70
  );
}

/**
 * Whether c may appear in a core-schema int or float (digits, signs, dot, underscore, the
 * letters of hex digits, of 0x/0o/0b prefixes and exponents, and of .inf/.nan spellings).
 */
function numberChar(c: number): boolean {
  if (c >= 48 && c <= 57) return true;
  switch (c) {
    case 43: case 45: case 46: case 95: // + - . _
    case 97: case 98: case 99: case 100: case 101: case 102: // a-f
    case 65: case 66: case 67: case 68: case 69: case 70: // A-F
    case 120: case 111: case 105: case 110: case 73: case 78: // x o i n I N
      return true;
    default:
      return false;
  }
}

/**
 * A plain scalar's value, resolved exactly as js-yaml's core schema does: js-yaml's own
 * resolvers, after a pre-filter that only skips them for scalars none of them can match.
 */
function resolvePlain(str: string): unknown {
  const c = str.charCodeAt(0);
  const n = str.length;
  if (c >= 48 && c <= 57) {
    // A short decimal integer without a leading zero: js-yaml gives parseInt(str, 10).
    let v = c - 48;
    let i = 1;
    for (; i < n; i++) {
      const d = str.charCodeAt(i);
      if (d < 48 || d > 57) break;
      v = v * 10 + (d - 48);
    }
    if (i === n && n <= 15 && (c !== 48 || n === 1)) return v;
    // Neither an int nor a float has a character outside numberChar, or two dots (10.1.0.10).
    let dots = 0;
    for (; i < n; i++) {
      const d = str.charCodeAt(i);
      if (!numberChar(d) || (d === 46 && ++dots > 1)) return str;
    }
  } else if (c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70) {
    // n N t T f F: only null, true and false (4 or 5 letters) resolve.
    if (n !== 4 && n !== 5) return str;
  } else if (c === 43 || c === DASH || c === 46) {
    let dots = c === 46 ? 1 : 0;
    for (let i = 1; i < n; i++) {
      const d = str.charCodeAt(i);
      if (!numberChar(d) || (d === 46 && ++dots > 1)) return str;
    }
  } else if (c !== 126 || n !== 1) {
    return str; // only "~" of the strings starting with "~"
  }
  if (!RESOLVERS_OK) fail();
  for (let i = 0; i < CORE_IMPLICIT.length; i++) {
    const t = CORE_IMPLICIT[i]!;
    if (t.resolve(str)) return t.construct(str);
  }
  return str;
}

/** A plain key: js-yaml resolves it like any plain scalar, then stringifies it. */
function plainKey(s: string): string {
  return mayBeNonString(s.charCodeAt(0)) ? String(resolvePlain(s)) : s;
}

/**
 * Keys repeat (apiVersion, metadata, name, ...). Interning them makes property stores much
 * cheaper for V8 than fresh slices of the input, which it must look up in its string table on
 * every store. A table numbers the keys seen: keySources[n] is the (interned) source text of key
 * number n, keyList[n] the interned key (itself, or for keys like `0x1` or `~` the string they
 * resolve to), keySlots[n] is n when the key is its own source text and -1 otherwise, and keyIds
 * maps source texts to numbers. Numbers never change while a document is parsed: equal source
 * texts have equal numbers, which blockMap relies on. parseFrom empties the table when it has
 * grown past KEY_TABLE_LIMIT.
 *
 * Keys also come in the same order again and again, so before asking keyIds (a hash lookup,
 * expensive before V8 optimizes the caller), keyOf tries the key that followed the previous key
 * last time, keyFollow[lastKey + 1], which costs a string comparison; blockMap does so inline.
 */
const KEY_TABLE_LIMIT = 8192;
const keyIds = new Map<string, number>();
const keySources: string[] = [];
const keyList: string[] = [];
const keySlots: number[] = [];
/** keyFollow[n + 1]: the number of the key read after key number n last time (n = -1: after none or an unnumbered key), or -1; as long as keyList plus one. */
const keyFollow: number[] = [-1];
/** The number of the key read last, or -1. */
var lastKey = -1;

/** The same string, internalized by V8 (property names of an object are). */
function internalize(k: string): string {
  const o: Record<string, number> = {};
  o[k] = 0;
  for (const name in o) return name;
  return k;
}

/**
 * The number of the key plainKeyAt or keyOf returned last, or -1 when that key did not come
 * from the table as its own source text.
 */
var keySlot = -1;

/** The key for the plain scalar src[start, plainEnd) just scanned by scanPlain. */
function plainKeyAt(start: number): string {
  return keyOf(src.slice(start, plainEnd));
}

/** The key for a plain scalar key whose source text is text; sets keySlot and lastKey. */
function keyOf(text: string): string {
  let id: number | undefined = keyFollow[lastKey + 1]!;
  if (id < 0 || keySources[id] !== text) {
    id = keyIds.get(text);
    if (id === undefined) {
      const key = plainKey(text);
      if (text.length > 128) {
        keySlot = lastKey = -1;
        return key;
      }
      id = keyList.length;
      const source = internalize(text);
      const value = key === text ? source : internalize(key);
      keySources.push(source);
      keyList.push(value);
      keySlots.push(value === source ? id : -1);
      keyFollow.push(-1);
      keyIds.set(source, id);
    }
    keyFollow[lastKey + 1] = id;
  }
  lastKey = id;
  keySlot = keySlots[id]!;
  return keyList[id]!;
}

/** A one-line single-quoted scalar at pos; leaves pos after the closing quote. */
function singleQuoted(): string {
  let p = pos + 1;
  let seg = p;
  let out = "";
  for (;;) {
    SQ_RUN.lastIndex = p;
    SQ_RUN.test(src);
    p = SQ_RUN.lastIndex;
    const c = src.charCodeAt(p);
    if (c === SQUOTE) {
      if (src.charCodeAt(p + 1) === SQUOTE) {
        out += src.slice(seg, p + 1);
        p += 2;
        seg = p;
        continue;
      }
      pos = p + 1;
      return out + src.slice(seg, p);
    }
    if (c < 0x20 && c !== TAB) fail(); // line feed (multi-line), CR, control characters
    p++;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** A one-line double-quoted scalar at pos; leaves pos after the closing quote. */
function doubleQuoted(): string {
  let p = pos + 1;
  let seg = p;
  let out = "";
  for (;;) {
    DQ_RUN.lastIndex = p;
    DQ_RUN.test(src);
    p = DQ_RUN.lastIndex;
    const c = src.charCodeAt(p);
    if (c === DQUOTE) {
      pos = p + 1;
      return out + src.slice(seg, p);
    }
    if (c === BACKSLASH) {
      out += src.slice(seg, p);
      const e = src.charCodeAt(p + 1);
      p += 2;
      switch (e) {
        case 48: out += "\0"; break; // 0
        case 97: out += "\x07"; break; // a
        case 98: out += "\b"; break; // b
        case 116: // t
        case TAB: out += "\t"; break;
        case 110: out += "\n"; break; // n
        case 118: out += "\v"; break; // v
        case 102: out += "\f"; break; // f
        case 114: out += "\r"; break; // r
        case 101: out += "\x1b"; break; // e
        case SPACE: out += " "; break;
        case DQUOTE: out += '"'; break;
        case 47: out += "/"; break; // /
        case BACKSLASH: out += "\\"; break;
        case 78: out += "\x85"; break; // N
        case 95: out += "\xa0"; break; // _
        case 76: out += "\u2028"; break; // L
        case 80: out += "\u2029"; break; // P
        case 120: // x
        case 117: // u
        case 85: { // U
          const len = e === 120 ? 2 : e === 117 ? 4 : 8;
          let v = 0;
          for (let i = 0; i < len; i++) {
            const h = hexValue(src.charCodeAt(p + i));
            if (h < 0) fail();
            v = v * 16 + h;
          }
          if (v > 0x10ffff) fail();
          p += len;
          out += v <= 0xffff ? String.fromCharCode(v) : String.fromCharCode(((v - 0x10000) >> 10) + 0xd800, ((v - 0x10000) & 0x3ff) + 0xdc00);
          break;
        }
        default:
          fail(); // unknown escape, or an escaped line break (multi-line)
      }
      seg = p;
      continue;
    }
    if (c < 0x20 && c !== TAB) fail();
    p++;
  }
}

// ---------------------------------------------------------------------------------------------
// Block scalars, exactly as js-yaml's readBlockScalar

const CHOMP_CLIP = 0;
const CHOMP_STRIP = 1;
const CHOMP_KEEP = 2;

function newlines(n: number): string {
  return n === 0 ? "" : n === 1 ? "\n" : "\n".repeat(n);
}

/** Checks a block scalar content line src[from, to) for characters js-yaml rejects. */
function checkPrintable(from: number, to: number): void {
  PRINTABLE_RUN.lastIndex = from;
  PRINTABLE_RUN.test(src);
  if (PRINTABLE_RUN.lastIndex >= to) return;
  for (let p = PRINTABLE_RUN.lastIndex; p < to; p++) {
    const c = src.charCodeAt(p);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c === TAB) continue;
    if (c < 0x20 || c <= 0x9f || c === 0xfeff || c >= 0xfffe) {
      if (c === 0x85) continue;
      if (c !== 0xfeff) fail();
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00) fail();
      const lo = p + 1 < to ? src.charCodeAt(p + 1) : 0;
      if (!(lo >= 0xdc00 && lo <= 0xdfff)) fail();
      p++;
    }
  }
}

/**
 * A `|` or `>` block scalar whose indicator is at pos; nodeIndent is js-yaml's (the parent's
 * indentation plus one). Moves to the next content line after it.
 */
function blockScalar(nodeIndent: number): string {
  const folding = src.charCodeAt(pos) === 62;
  let chomping = CHOMP_CLIP;
  let detected = false;
  let textIndent = nodeIndent;
  let p = pos + 1;
  let c = src.charCodeAt(p);
  for (;;) {
    if (c === 43 || c === DASH) {
      if (chomping !== CHOMP_CLIP) fail();
      chomping = c === 43 ? CHOMP_KEEP : CHOMP_STRIP;
    } else if (c >= 49 && c <= 57) {
      if (detected) fail();
      textIndent = nodeIndent + (c - 48) - 1;
      detected = true;
    } else {
      break;
    }
    c = src.charCodeAt(++p);
  }
  if (c === SPACE) {
    while (c === SPACE) c = src.charCodeAt(++p);
    if (c === HASH) {
      p = src.indexOf("\n", p);
      c = LF;
    }
  }
  if (c !== LF) fail();

  let out = "";
  let didRead = false;
  let emptyLines = 0;
  let moreIndented = false;
  // p is at the line feed ending the previous line.
  for (;;) {
    const ls = p + 1;
    lineNo++;
    let q = ls;
    let lineIndent = 0;
    c = ls < end ? src.charCodeAt(q) : 0; // the end of the input reads as an empty, unindented line
    while ((!detected || lineIndent < textIndent) && c === SPACE) {
      lineIndent++;
      c = src.charCodeAt(++q);
    }
    if (!detected && lineIndent > textIndent) textIndent = lineIndent;
    if (c === LF) {
      emptyLines++;
      p = q;
      continue;
    }
    if (lineIndent < textIndent) {
      if (chomping === CHOMP_KEEP) out += newlines(didRead ? 1 + emptyLines : emptyLines);
      else if (chomping === CHOMP_CLIP && didRead) out += "\n";
      toLine(ls);
      return out;
    }
    if (folding) {
      if (c === SPACE || c === TAB) {
        moreIndented = true;
        out += newlines(didRead ? 1 + emptyLines : emptyLines);
      } else if (moreIndented) {
        moreIndented = false;
        out += newlines(emptyLines + 1);
      } else if (emptyLines === 0) {
        if (didRead) out += " ";
      } else {
        out += newlines(emptyLines);
      }
    } else {
      out += newlines(didRead ? 1 + emptyLines : emptyLines);
    }
    didRead = true;
    detected = true;
    emptyLines = 0;
    const nl = src.indexOf("\n", q);
    checkPrintable(q, nl);
    out += src.slice(q, nl);
    p = nl;
  }
}

// ---------------------------------------------------------------------------------------------
// Flow collections: one line, scalars only

/** A scalar inside a flow collection at pos: a key (stringified) or a value (resolved). */
function flowScalar(isKey: boolean): unknown {
  const c = src.charCodeAt(pos);
  if (c === DQUOTE) return doubleQuoted();
  if (c === SQUOTE) return singleQuoted();
  if (cannotStartPlain(c, src.charCodeAt(pos + 1), true)) fail();
  const start = pos;
  const stop = scanPlainFlow();
  if (stop !== STOP_COLON && stop !== STOP_FLOW) fail(); // multi-line, or a comment inside
  const s = src.slice(start, plainEnd);
  return isKey ? plainKey(s) : resolvePlain(s);
}

/** `[...]` or `{...}` on one line at pos, holding scalars only; leaves pos after it. */
function flowCollection(): unknown {
  if (++depth > MAX_DEPTH) fail();
  const isMap = src.charCodeAt(pos) === LBRACE;
  const term = isMap ? RBRACE : RBRACKET;
  const map: Record<string, unknown> = {};
  const seq: unknown[] = [];
  let p = pos + 1;
  let readNext = true;
  for (;;) {
    let c = src.charCodeAt(p);
    while (c === SPACE) c = src.charCodeAt(++p);
    if (c === term) {
      pos = p + 1;
      break;
    }
    if (!readNext || c === COMMA || c === LF || c === HASH || c === TAB) fail();
    pos = p;
    const item = flowScalar(isMap);
    p = pos;
    c = src.charCodeAt(p);
    while (c === SPACE) c = src.charCodeAt(++p);
    if (isMap) {
      if (c !== COLON) fail(); // `{a}` (a key without value) is left to js-yaml
      c = src.charCodeAt(++p);
      while (c === SPACE) c = src.charCodeAt(++p);
      let value: unknown = null;
      if (c !== COMMA && c !== term) {
        pos = p;
        value = flowScalar(false);
        p = pos;
        c = src.charCodeAt(p);
        while (c === SPACE) c = src.charCodeAt(++p);
      }
      setKey(map, item as string, value);
    } else {
      if (c === COLON) fail(); // `[a: 1]`: a pair inside a sequence
      seq.push(item);
    }
    if (c === COMMA) {
      readNext = true;
      p++;
    } else {
      readNext = false;
    }
  }
  depth--;
  return isMap ? map : seq;
}

// ---------------------------------------------------------------------------------------------
// Block collections

const hasOwn = Object.prototype.hasOwnProperty;

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (obj[key] !== undefined && hasOwn.call(obj, key)) fail(); // duplicate key: js-yaml throws
  if (key === "__proto__" || key === "<<") fail();
  obj[key] = value;
}

/**
 * A node whose first character is at pos (inline after `key: ` or `- `, or first on its own
 * line). parent is the indentation of the collection holding it; compact allows a block
 * collection starting here (`- - a`, `- k: v`, or any node on its own line). Moves to the next
 * content line after the node, which must not be indented more than parent.
 */
function node(parent: number, compact: boolean, ownLine: boolean): unknown {
  const start = pos;
  const c = src.charCodeAt(start);
  const next = src.charCodeAt(start + 1);
  let value: unknown;
  if (c === DQUOTE || c === SQUOTE) {
    value = c === DQUOTE ? doubleQuoted() : singleQuoted();
    if (compact) {
      let p = pos;
      let d = src.charCodeAt(p);
      while (d === SPACE) d = src.charCodeAt(++p);
      if (d === COLON) {
        const n = src.charCodeAt(p + 1);
        if (n !== SPACE && n !== LF) fail();
        keySlot = -1;
        return blockMap(value as string, null, start - lineStart, p + 1);
      }
    }
    endOfLine(pos);
  } else if (c === LBRACKET || c === LBRACE) {
    value = flowCollection();
    endOfLine(pos); // a flow collection used as a key (`[a]: b`) fails here too
  } else if (c === 124 || c === 62) {
    if (ownLine) fail();
    value = blockScalar(parent + 1);
  } else if (c === DASH && (next === SPACE || next === LF)) {
    if (!compact) fail(); // `k: - a`
    return blockSeq(start - lineStart);
  } else {
    if (cannotStartPlain(c, next, false)) fail();
    if (compact) {
      KEY_LINE.lastIndex = start;
      const r = KEY_LINE.exec(src);
      if (r !== null) return blockMap("", r, start - lineStart);
    }
    const stop = scanPlain();
    if (stop === STOP_COLON) {
      if (!compact) fail(); // `k: a: b`
      return blockMap(plainKeyAt(start), null, start - lineStart, pos + 1);
    }
    value = resolvePlain(src.slice(start, plainEnd));
    endOfLine(pos);
  }
  if (indent > parent) fail(); // a continuation line, or bad indentation
  return value;
}

/**
 * The value after `key:` of a mapping at indentation m, pos just after the colon. Moves to the
 * next content line after the value.
 */
function mapValue(m: number): unknown {
  let p = pos;
  let c = src.charCodeAt(p);
  while (c === SPACE) c = src.charCodeAt(++p);
  if (c === LF || c === HASH) {
    nextLine(c === LF ? p : src.indexOf("\n", p));
    return nestedValue(m);
  }
  pos = p;
  return node(m, false, false);
}

/** The value of a key of a mapping at indentation m with nothing after its colon, at the next content line. */
function nestedValue(m: number): unknown {
  if (indent > m) return node(m, true, true);
  if (indent === m && isSeqEntry(pos)) return blockSeq(m); // `key:\n- a`: sequence at the key's indentation
  return null;
}

/** Reads a key at pos (the start of a content line of the mapping) and its `:`; pos is left after the colon. */
function readKey(): string {
  const c = src.charCodeAt(pos);
  if (c === DQUOTE || c === SQUOTE) {
    keySlot = -1;
    const key = c === DQUOTE ? doubleQuoted() : singleQuoted();
    let p = pos;
    let d = src.charCodeAt(p);
    while (d === SPACE) d = src.charCodeAt(++p);
    if (d !== COLON) fail();
    const n = src.charCodeAt(p + 1);
    if (n !== SPACE && n !== LF) fail();
    pos = p + 1;
    return key;
  }
  if (cannotStartPlain(c, src.charCodeAt(pos + 1), false)) fail();
  const start = pos;
  if (scanPlain() !== STOP_COLON) fail();
  const key = plainKeyAt(start);
  pos++;
  return key;
}

/**
 * A block mapping at indentation (column) m. Its first line is either r, a KEY_LINE match, or
 * was read up to the first key's colon: then r is null, firstKey is that key and afterColon the
 * position just after the colon.
 */
function blockMap(firstKey: string, r: RegExpExecArray | null, m: number, afterColon = 0): Record<string, unknown> {
  if (++depth > MAX_DEPTH) fail();
  const obj: Record<string, unknown> = {};
  // A duplicate key makes js-yaml throw. While all keys came from the key table as their own
  // source text, equal keys have equal numbers: only a key whose number's bit is already set
  // needs the property lookup. After any other key, every key does.
  let seen = 0;
  let key = firstKey;
  if (r === null) pos = afterColon;
  for (;;) {
    if (r !== null) {
      // keyOf, with its most common case inline.
      const text = r[1]!;
      const id = keyFollow[lastKey + 1]!;
      if (id >= 0 && keySources[id] === text) {
        lastKey = id;
        keySlot = keySlots[id]!;
        key = keyList[id]!;
      } else {
        key = keyOf(text);
      }
    }
    const bit = 1 << (keySlot & 31);
    if (keySlot < 0) seen = -1;
    if ((seen & bit) !== 0 && obj[key] !== undefined && hasOwn.call(obj, key)) fail();
    seen |= bit;
    if (key === "__proto__" || key === "<<") fail();
    if (r === null) {
      obj[key] = mapValue(m);
    } else {
      // The match ended at the first character of the next content line, or at the end.
      const q = KEY_LINE.lastIndex;
      lineNo++;
      if (q < end) {
        const next = r[6];
        const n = next === undefined ? 0 : next.length;
        lineStart = q - n;
        indent = n;
        pos = q;
      } else {
        toLine(q);
      }
      if (r[2] !== undefined) obj[key] = r[2];
      else if (r[3] !== undefined) obj[key] = resolvePlain(r[3]);
      else if (r[4] !== undefined) obj[key] = r[4];
      else if (r[5] !== undefined) obj[key] = r[5];
      else if (indent <= m) obj[key] = nestedValue(m);
      else if (src.charCodeAt(pos) === DASH) obj[key] = node(m, true, true);
      else {
        // A nested mapping, most likely: as node would read it.
        KEY_LINE.lastIndex = pos;
        const nested = KEY_LINE.exec(src);
        obj[key] = nested !== null ? blockMap("", nested, indent) : node(m, true, true);
      }
    }
    if (indent !== m) {
      if (indent > m) fail();
      break;
    }
    KEY_LINE.lastIndex = pos;
    r = KEY_LINE.exec(src);
    if (r === null) key = readKey();
  }
  depth--;
  return obj;
}

/** A block sequence whose first `-` is at pos, at column n. */
function blockSeq(n: number): unknown[] {
  if (++depth > MAX_DEPTH) fail();
  const arr: unknown[] = [];
  for (;;) {
    SEQ_LINE.lastIndex = pos;
    const r = SEQ_LINE.exec(src);
    if (r !== null) {
      const q = SEQ_LINE.lastIndex;
      let value: unknown;
      let scalar = true;
      if (r[1] !== undefined) value = r[1];
      else if (r[2] !== undefined) value = resolvePlain(r[2]);
      else if (r[3] !== undefined) value = r[3];
      else if (r[4] !== undefined) value = r[4];
      else scalar = false;
      if (scalar) {
        // The match ended at the first character of the next content line, or at the end.
        lineNo++;
        if (q < end) {
          const next = r[5];
          const ni = next === undefined ? 0 : next.length;
          lineStart = q - ni;
          indent = ni;
          pos = q;
        } else {
          toLine(q);
        }
        arr.push(value);
      } else {
        // `- key:`, q at the key: a mapping in the entry, as node would read it.
        pos = q;
        KEY_LINE.lastIndex = q;
        const first = KEY_LINE.exec(src);
        arr.push(first !== null ? blockMap("", first, q - lineStart) : node(n, true, false));
      }
    } else {
      let p = pos + 1;
      let c = src.charCodeAt(p);
      while (c === SPACE) c = src.charCodeAt(++p);
      if (c === LF || c === HASH) {
        nextLine(c === LF ? p : src.indexOf("\n", p));
        arr.push(indent > n ? node(n, true, true) : null);
      } else {
        pos = p;
        arr.push(node(n, true, false));
      }
    }
    if (indent !== n) {
      if (indent > n) fail();
      break;
    }
    if (!isSeqEntry(pos)) break;
  }
  depth--;
  return arr;
}

// ---------------------------------------------------------------------------------------------
// Documents and streams

/** What js-yaml's load gives for a text of only blank lines and comments. */
function emptyValue(text: string): null | undefined {
  if (text.length === 0) return undefined;
  const len = text.charCodeAt(text.length - 1) === LF ? text.length : text.length + 1;
  let p = 0;
  while (text.charCodeAt(p) === SPACE) p++;
  return p < len - 1 ? null : undefined;
}

/** Sentinel result of parseFrom for a document without content. */
const EMPTY: { readonly empty: true } = { empty: true };

/** Start and line number of the first content line of the document last parsed or scanned (-1: none). */
var contentStart = 0;
var contentLine = 0;

/**
 * Parses the document whose text starts at line start `from` (line number `line`) of text
 * (which ends with a line feed). Returns its value, EMPTY, or GIVE_UP; throws STREAM_UNSAFE.
 * Afterwards (unless it gave up) contentStart/contentLine locate its first content line and
 * docEnd/nextDoc/markerLine where it ended.
 */
function parseFrom(text: string, from: number, line: number, stream: boolean): unknown {
  src = text;
  end = text.length;
  depth = 0;
  lineNo = line;
  streamMode = stream;
  if (keyList.length > KEY_TABLE_LIMIT) {
    keyIds.clear();
    keySources.length = keyList.length = keySlots.length = 0;
    keyFollow.length = 1;
    keyFollow[0] = -1;
  }
  lastKey = -1;
  try {
    toLine(from);
    if (indent < 0) return EMPTY;
    contentStart = lineStart;
    contentLine = lineNo;
    const value = node(indent - 1, true, true);
    if (indent !== -1) return GIVE_UP; // content after the root node
    return value;
  } catch (e) {
    if (e === GIVE_UP) return GIVE_UP;
    throw e;
  } finally {
    src = "";
  }
}

/** True when text[from, to) has a character that makes the document containing it give up. */
function hasBadChar(text: string, from: number, to: number): boolean {
  const cr = text.indexOf("\r", from);
  if (cr >= 0 && cr < to) return true;
  const nul = text.indexOf("\0", from);
  return nul >= 0 && nul < to;
}

/** Parses a single document; undefined when outside the subset. */
export function parseYamlDocument(text: string): { value: unknown } | undefined {
  if (text.length > 0 && text.charCodeAt(0) === 0xfeff) return undefined;
  if (hasBadChar(text, 0, text.length)) return undefined;
  const s = text.length > 0 && text.charCodeAt(text.length - 1) === LF ? text : text + "\n";
  if (wasmEnabled) {
    // One document without `---` lines (which make this function give up).
    const docs = blockStream(s, text.length);
    if (docs !== undefined && docs.length === 1 && blockWasm!.markers() === 0) return { value: docs[0]!.value };
  }
  const value = parseFrom(s, 0, 1, false);
  if (value === GIVE_UP) return undefined;
  return { value: value === EMPTY ? emptyValue(text) : value };
}

/**
 * The slow way through one document of a stream, line by line: where its first content line
 * is, and where the next `---` marker is. Used for documents the parser gave up on (it stops
 * early) and for inputs with CR or NUL characters. Throws STREAM_UNSAFE.
 */
function scanDocument(s: string, from: number, line: number): void {
  let p = from;
  let first = -1;
  let firstLine = 0;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    const nl = s.indexOf("\n", p);
    if (c === DASH || c === 46 || c === 37) {
      const kind = classifyLine(s, p);
      if (kind === 2) throw STREAM_UNSAFE;
      if (kind === 1) {
        contentStart = first;
        contentLine = firstLine;
        docEnd = p;
        nextDoc = nl + 1;
        markerLine = line;
        return;
      }
    }
    if (first < 0) {
      let q = p;
      let d = c;
      while (d === SPACE) d = s.charCodeAt(++q);
      if (d !== LF && d !== HASH) {
        first = p;
        firstLine = line;
      }
    }
    p = nl + 1;
    line++;
  }
  contentStart = first;
  contentLine = firstLine;
  docEnd = s.length;
  nextDoc = -1;
}

/**
 * Splits a multi-document stream on `---` marker lines and parses each document. Returns
 * undefined when the stream itself uses something this parser does not split safely (a `%`
 * directive line, a `...` document end marker, a `---` line with content after the marker
 * such as `--- !tag` or `--- |`).
 */
export function parseYamlStream(text: string): FastDocument[] | undefined {
  const len = text.length;
  if (len > 0 && text.charCodeAt(0) === 0xfeff) return undefined;
  const s = len > 0 && text.charCodeAt(len - 1) === LF ? text : text + "\n";
  if (wasmEnabled) {
    const docs = blockStream(s, len);
    if (docs !== undefined) return docs;
  }
  const anyBad = text.indexOf("\r") >= 0 || text.indexOf("\0") >= 0;
  const docs: FastDocument[] = [];
  let from = 0;
  let line = 1;
  try {
    for (;;) {
      let value: unknown;
      if (anyBad) {
        scanDocument(s, from, line);
        const bad = contentStart < 0 ? hasBadChar(s, from, docEnd) : hasBadChar(s, contentStart, docEnd);
        if (bad) {
          value = GIVE_UP;
        } else {
          value = parseFrom(s, from, line, true);
          if (value === GIVE_UP) scanDocument(s, from, line);
        }
      } else {
        value = parseFrom(s, from, line, true);
        if (value === GIVE_UP) scanDocument(s, from, line); // find where it ends
      }
      const docStart = Math.min(from, len);
      const stop = Math.min(docEnd, len);
      if (value === EMPTY) {
        // Blank lines and comments before the first marker are not a document.
        // Nor is an input of only blank lines, for which js-yaml's loadAll gives no document.
        if (!(from === 0 && (nextDoc >= 0 || emptyValue(text) === undefined))) {
          // (After a marker on the last line without a line feed, the document starts at the end of that line.)
          const at = from > len ? line - 1 : line;
          docs.push({ value: emptyValue(text.slice(docStart, stop)), ok: true, line: at, start: docStart, end: stop, empty: true });
        }
      } else if (value === GIVE_UP) {
        if (contentStart < 0) {
          docs.push({ value: undefined, ok: false, line: from > len ? line - 1 : line, start: docStart, end: stop, empty: false });
        } else {
          docs.push({ value: undefined, ok: false, line: contentLine, start: contentStart, end: stop, empty: false });
        }
      } else {
        docs.push({ value, ok: true, line: contentLine, start: contentStart, end: stop, empty: false });
      }
      if (nextDoc < 0) break;
      from = nextDoc;
      line = markerLine + 1;
    }
  } catch (e) {
    if (e === STREAM_UNSAFE) return undefined;
    throw e;
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------
// The same, compiled: wasm/yaml-block.ts

/**
 * wasm/yaml-block.ts turns streams of the commonest block YAML (block mappings with plain keys,
 * block sequences, one-line scalars and flow collections of scalars, ASCII) into JSON, which JSON.parse turns into
 * values; for anything else it gives up on the file and parseYamlStream reads it as above. It
 * applies this module's rules (it accepts a subset of what this module accepts and gives the
 * same documents), compiled ahead of time: the JavaScript above mostly runs in V8's interpreter
 * in a one-second CLI run. npm run build compiles it to dist/wasm/yaml-block.wasm; without that
 * file everything is read by the JavaScript.
 */
interface BlockWasm {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  readonly convert: (len: number, textLen: number, outCap: number, keyCap: number, recordCap: number) => number;
  readonly jsonLength: () => number;
  readonly markers: () => number;
}

/** Longer input is read by the JavaScript (the compiled reader's memory is about three times the input). */
const MAX_COMPILED_INPUT = 1 << 26;

var wasmEnabled = true;
/** undefined: not loaded yet; null: not available. */
var blockWasm: BlockWasm | null | undefined;
/** A Buffer over the compiled reader's memory (a new one after the memory grows). */
var memoryBuffer = Buffer.alloc(0);

/** Whether parseYamlStream tries the compiled reader first (tests compare both paths). */
export function useCompiledYaml(enabled: boolean): void {
  wasmEnabled = enabled;
}

/**
 * The compiled reader alone: parseYamlStream's documents when it reads the text, undefined when
 * it gives up (or is not built). For tests, which compare it with the JavaScript.
 */
export function parseYamlStreamCompiled(text: string): FastDocument[] | undefined {
  const len = text.length;
  const s = len > 0 && text.charCodeAt(len - 1) === LF ? text : text + "\n";
  return blockStream(s, len);
}

/** Whether dist/wasm/yaml-block.wasm is built and loads. */
export function compiledYamlAvailable(): boolean {
  return loadBlockWasm() !== null;
}

function loadBlockWasm(): BlockWasm | null {
  if (blockWasm !== undefined) return blockWasm;
  blockWasm = null;
  let bytes: Buffer;
  try {
    // From src/util/ or dist/util/ (and the CLI bundle, which stands for dist/cli/): the package root's dist/wasm/.
    bytes = readFileSync(new URL("../../dist/wasm/yaml-block.wasm", import.meta.url));
  } catch {
    return null;
  }
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports as unknown as {
    memory: WebAssembly.Memory;
    base: () => number;
    convert: BlockWasm["convert"];
    jsonLength: BlockWasm["jsonLength"];
    markers: BlockWasm["markers"];
  };
  blockWasm = { memory: exports.memory, base: exports.base(), convert: exports.convert, jsonLength: exports.jsonLength, markers: exports.markers };
  return blockWasm;
}

/** parseYamlStream's documents for s (text plus a final line feed), or undefined when the compiled reader gives up. */
function blockStream(s: string, textLen: number): FastDocument[] | undefined {
  const w = loadBlockWasm();
  if (w === null) return undefined;
  const len = s.length;
  if (len > MAX_COMPILED_INPUT) return undefined;
  // Room for the input, its JSON (twice the input; JSON of meshfed's and kubectl's YAML is
  // about as long), the keys of the mappings being read, and a record per document. The
  // reader gives up when it needs more; the JavaScript then reads the file.
  const outCap = ((3 * len + 1027) & ~3) - len; // at least 2 * len + 1024, and the keys and records after it 4-byte aligned
  const keyCap = 16384;
  const recordCap = ((len / 64) | 0) + 64;
  const recordsAt = w.base + len + outCap + keyCap * 8;
  const need = recordsAt + 12 * recordCap;
  if (need > w.memory.buffer.byteLength) {
    try {
      w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
    } catch {
      return undefined; // no memory for it
    }
  }
  if (memoryBuffer.buffer !== w.memory.buffer) memoryBuffer = Buffer.from(w.memory.buffer);
  // As UTF-8: any character outside ASCII takes more than one byte, and the reader is not tried.
  if (memoryBuffer.write(s, w.base, "utf8") !== len) return undefined;
  let count: number;
  try {
    count = w.convert(len, textLen, outCap, keyCap, recordCap);
  } catch {
    return undefined; // a trap: outside the subset
  }
  const jsonStart = w.base + len;
  const values = JSON.parse(memoryBuffer.toString("latin1", jsonStart, jsonStart + w.jsonLength())) as unknown[];
  const records = new Int32Array(w.memory.buffer, recordsAt, count * 3);
  const docs: FastDocument[] = [];
  for (let i = 0; i < count; i++) {
    docs.push({ value: values[i], ok: true, line: records[i * 3 + 2]!, start: records[i * 3]!, end: records[i * 3 + 1]!, empty: false });
  }
  return docs;
}
