// AssemblyScript, compiled to WebAssembly by `npm run build` (scripts/build-wasm.mjs).
//
// Turns a stream of block-YAML documents into JSON text, one JSON value per document, for the
// narrow subset that kubectl, Helm and meshfed write: block mappings with plain keys, block
// sequences, one-line plain, single- or double-quoted scalars, and one-line flow collections
// of such scalars (`{}`, `[a, b]`, `{k: v}`). src/util/fast-yaml.ts reads the same documents
// in JavaScript; in a one-second CLI run that JavaScript runs mostly in V8's interpreter,
// while this code is compiled before it runs, and JSON.parse builds the values in C++.
//
// It is not a YAML parser and it decides nothing fast-yaml.ts does not: every rule below is one
// of fast-yaml's, and whenever the input uses anything else (nested flow collections, block
// scalars, escapes, tabs, comments in odd places, anchors, tags, a scalar on its own line,
// multi-line scalars, numbers other than short decimal integers, duplicate or special keys,
// document markers other than a bare `---`, empty documents, ...) it traps, and the caller
// reads the whole file with fast-yaml.ts as before. The caller passes only ASCII text (it
// checks that the UTF-8 is as long as the string) that ends with a line feed; control
// characters give up where fast-yaml treats them specially: in scalars and keys, and carriage
// returns and NULs anywhere.
//
// Memory (one linear memory, grown by the caller): the input at base(), then the JSON output
// (an array of the documents' values), then room for the keys of the mappings being read, then
// one record of three i32s per document: the offset of its first content line, the offset of
// its end, and that line's number.

const LF: i32 = 10;
const SPACE: i32 = 32;
const DQUOTE: i32 = 34;
const HASH: i32 = 35;
const SQUOTE: i32 = 39;
const COMMA: i32 = 44;
const DASH: i32 = 45;
const DOT: i32 = 46;
const COLON: i32 = 58;
const BACKSLASH: i32 = 92;
const MAX_DEPTH: i32 = 50;

/** Start of the input in memory, and its length (it ends with a line feed). */
let src: usize = 0;
let end: i32 = 0;
/** Next byte of JSON output, and the end of the room for it. */
let out: usize = 0;
let outLimit: usize = 0;

/** Current position; after a node: the first non-space byte of the next content line. */
let pos: i32 = 0;
/** Start and indentation of the current content line; indent is -1 at the end of the document. */
let lineStart: i32 = 0;
let indent: i32 = -1;
let lineNo: i32 = 1;
let depth: i32 = 0;
/** Where the document ended (the `---` line, or the end), the line after it (-1: none), the marker's line. */
let docEnd: i32 = 0;
let nextDoc: i32 = -1;
let markerLine: i32 = 0;
/** End of the plain scalar scanPlain read, trailing spaces excluded. */
let plainEnd: i32 = 0;

/** Key spans of the mappings being read (start, length), for the duplicate check. */
let keys: usize = 0;
let keysTop: i32 = 0;
let keysLimit: i32 = 0;

@inline function at(p: i32): i32 {
  return <i32>load<u8>(src + <usize>p);
}

/** Anything outside the subset: the caller reads the file with fast-yaml.ts. */
@inline function giveUp(): void {
  unreachable();
}

@inline function emit(b: i32): void {
  if (out >= outLimit) giveUp();
  store<u8>(out, <u8>b);
  out++;
}

/** src[from, to) as a JSON string; gives up on control characters (tabs included) and DEL. */
function emitString(from: i32, to: i32): void {
  emit(DQUOTE);
  for (let p = from; p < to; p++) {
    const c = at(p);
    if (c < SPACE || c >= 0x7f) giveUp();
    if (c == DQUOTE || c == BACKSLASH) emit(BACKSLASH);
    emit(c);
  }
  emit(DQUOTE);
}

function emitRaw(from: i32, to: i32): void {
  const n = <usize>(to - from);
  if (out + n > outLimit) giveUp();
  memory.copy(out, src + <usize>from, n);
  out += n;
}

function emitWord(w: string): void {
  for (let i = 0; i < w.length; i++) emit(w.charCodeAt(i));
}

function skipSpaces(p: i32): i32 {
  while (at(p) == SPACE) p++;
  return p;
}

/** The line feed ending the line at p; gives up on a carriage return or NUL on the way (comments). */
function lineEnd(p: i32): i32 {
  let c = at(p);
  while (c != LF) {
    if (c == 13 || c == 0) giveUp();
    c = at(++p);
  }
  return p;
}

// ------------------------------------------------------------------------------- lines

/**
 * Moves to the first content line (not blank, not a comment) at or after line start p
 * (fast-yaml's toLine in a stream). A column-0 `---` followed by spaces only is a document
 * marker; any other column-0 `---`, `...` or `%` gives up.
 */
function toLine(p: i32): void {
  for (;;) {
    if (p >= end) {
      indent = -1;
      pos = docEnd = end;
      nextDoc = -1;
      return;
    }
    const q = skipSpaces(p);
    const c = at(q);
    if (c == LF) {
      p = q + 1;
      lineNo++;
      continue;
    }
    if (c == HASH) {
      p = lineEnd(q) + 1;
      lineNo++;
      continue;
    }
    if (q == p && (c == DASH || c == DOT || c == 37)) {
      if (c == 37) giveUp(); // % directive
      if (at(p + 1) == c && at(p + 2) == c) {
        if (c == DOT) giveUp(); // `...`
        const nl = lineEnd(p + 3);
        if (skipSpaces(p + 3) != nl) giveUp(); // `--- x`, `---x`
        indent = -1;
        pos = docEnd = p;
        nextDoc = nl + 1;
        markerLine = lineNo;
        markerCount++;
        return;
      }
    }
    lineStart = p;
    indent = q - p;
    pos = q;
    return;
  }
}

function nextLine(nl: i32): void {
  lineNo++;
  toLine(nl + 1);
}

/** After a complete node: only spaces and a comment after a space may follow on its line. */
function endOfLine(p: i32): void {
  p = skipSpaces(p);
  const c = at(p);
  if (c == LF) {
    nextLine(p);
    return;
  }
  if (c == HASH && at(p - 1) == SPACE) {
    nextLine(lineEnd(p));
    return;
  }
  giveUp();
}

function isSeqEntry(p: i32): bool {
  if (at(p) != DASH) return false;
  const n = at(p + 1);
  return n == SPACE || n == LF;
}

// ------------------------------------------------------------------------------- scalars

const STOP_EOL = 0;
const STOP_COLON = 1;
const STOP_COMMENT = 2;

/**
 * fast-yaml's cannotStartPlain in block context, for printable ASCII: flow indicators,
 * `#&*!|>'"%@` and backtick, and `-`, `?` or `:` before a space or the end of the line.
 */
function cannotStartPlain(c: i32, next: i32): bool {
  switch (c) {
    case SPACE: case LF: case COMMA: case 91: case 93: case 123: case 125: case HASH:
    case 38: case 42: case 33: case 124: case 62: case SQUOTE: case DQUOTE: case 37: case 64: case 96:
      return true;
    case DASH: case 63: case COLON:
      return next == SPACE || next == LF;
    default:
      return false;
  }
}

/** A one-line plain scalar from pos (fast-yaml's scanPlain): sets plainEnd and pos (at the stop). */
function scanPlain(): i32 {
  let p = pos;
  for (;;) {
    const c = at(p);
    if (c == LF) break;
    if (c == COLON) {
      const n = at(p + 1);
      if (n == SPACE || n == LF) {
        pos = p;
        plainEnd = trimBack(p);
        return STOP_COLON;
      }
    } else if (c == HASH && at(p - 1) == SPACE) {
      pos = p;
      plainEnd = trimBack(p);
      return STOP_COMMENT;
    }
    p++;
  }
  pos = p;
  plainEnd = trimBack(p);
  return STOP_EOL;
}

function trimBack(p: i32): i32 {
  while (at(p - 1) == SPACE) p--;
  return p;
}

function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

/** fast-yaml's mayBeNonString: + - . 0-9 ~ n N t T f F. */
function mayBeNonString(c: i32): bool {
  return isDigit(c) || c == 43 || c == DASH || c == DOT || c == 126 || c == 110 || c == 78 || c == 116 || c == 84 || c == 102 || c == 70;
}

/** fast-yaml's numberChar: what may appear in a core-schema int or float. */
function numberChar(c: i32): bool {
  if (isDigit(c)) return true;
  switch (c) {
    case 43: case 45: case 46: case 95:
    case 97: case 98: case 99: case 100: case 101: case 102:
    case 65: case 66: case 67: case 68: case 69: case 70:
    case 120: case 111: case 105: case 110: case 73: case 78:
      return true;
    default:
      return false;
  }
}

function equals(from: i32, to: i32, w: string): bool {
  if (to - from != w.length) return false;
  for (let i = 0; i < w.length; i++) if (at(from + i) != w.charCodeAt(i)) return false;
  return true;
}

/** 0: not null or a bool; 1: null; 2: true; 3: false (js-yaml's null and bool resolvers). */
function nullOrBool(from: i32, to: i32): i32 {
  if (equals(from, to, "null") || equals(from, to, "Null") || equals(from, to, "NULL")) return 1;
  if (equals(from, to, "true") || equals(from, to, "True") || equals(from, to, "TRUE")) return 2;
  if (equals(from, to, "false") || equals(from, to, "False") || equals(from, to, "FALSE")) return 3;
  return 0;
}

/**
 * A plain scalar src[from, to) as JSON, resolved as fast-yaml's resolvePlain does: strings its
 * pre-filter lets through, `~`, null and bools, short decimal integers; anything that would
 * need js-yaml's int and float resolvers gives up.
 */
function emitPlain(from: i32, to: i32): void {
  const c = at(from);
  const n = to - from;
  if (isDigit(c)) {
    let i = from + 1;
    while (i < to && isDigit(at(i))) i++;
    if (i == to) {
      if (n <= 15 && (c != 48 || n == 1)) {
        emitRaw(from, to);
        return;
      }
      giveUp();
    }
    let dots = 0;
    for (; i < to; i++) {
      const d = at(i);
      if (!numberChar(d) || (d == DOT && ++dots > 1)) {
        emitString(from, to);
        return;
      }
    }
    giveUp();
  } else if (c == 110 || c == 78 || c == 116 || c == 84 || c == 102 || c == 70) {
    const v = n == 4 || n == 5 ? nullOrBool(from, to) : 0;
    if (v == 1) emitWord("null");
    else if (v == 2) emitWord("true");
    else if (v == 3) emitWord("false");
    else emitString(from, to);
    return;
  } else if (c == 43 || c == DASH || c == DOT) {
    let dots = c == DOT ? 1 : 0;
    for (let i = from + 1; i < to; i++) {
      const d = at(i);
      if (!numberChar(d) || (d == DOT && ++dots > 1)) {
        emitString(from, to);
        return;
      }
    }
    giveUp();
  } else if (c == 126) {
    if (n == 1) emitWord("null");
    else emitString(from, to);
    return;
  }
  emitString(from, to);
}

/** A one-line quoted scalar at pos without escapes (`\` or `''`); leaves pos after it. */
function emitQuoted(q: i32): void {
  let p = pos + 1;
  for (;;) {
    const c = at(p);
    if (c == q) break;
    if (c == LF) giveUp(); // multi-line
    if (q == DQUOTE && c == BACKSLASH) giveUp(); // escapes
    p++;
  }
  if (q == SQUOTE && at(p + 1) == SQUOTE) giveUp(); // `''`
  emitString(pos + 1, p);
  pos = p + 1;
}

// ------------------------------------------------------------------------------- collections

/**
 * A node whose first byte is at pos (fast-yaml's node): inline after `key: ` or `- ` when
 * ownLine is false; compact allows a block collection to start here. Moves to the next content
 * line, which must not be indented more than parent.
 */
function node(parent: i32, compact: bool, ownLine: bool): void {
  const start = pos;
  const c = at(start);
  const next = at(start + 1);
  if (c == DASH && (next == SPACE || next == LF)) {
    if (!compact) giveUp(); // `k: - a`
    blockSeq(start - lineStart);
    return;
  }
  if (ownLine) {
    // A scalar on a line of its own (a document that is a scalar, `key:` then the value on the
    // next line): left to fast-yaml. A mapping starts with a key, read below.
    if (c == DQUOTE || c == SQUOTE || cannotStartPlain(c, next)) giveUp();
    if (scanPlain() != STOP_COLON) giveUp();
    blockMap(start, plainEnd, start - lineStart);
    return;
  }
  if (c == DQUOTE || c == SQUOTE) {
    emitQuoted(c);
    // A quoted key (`"k": v`) is left to fast-yaml.
    if (compact && at(skipSpaces(pos)) == COLON) giveUp();
    endOfLine(pos);
  } else if (c == 91 || c == 123) {
    flowCollection();
    endOfLine(pos); // a flow collection used as a key (`[a]: b`) gives up here too
  } else {
    if (cannotStartPlain(c, next)) giveUp(); // also flow collections, block scalars, anchors, tags
    const stop = scanPlain();
    if (stop == STOP_COLON) {
      if (!compact) giveUp(); // `k: a: b`
      blockMap(start, plainEnd, start - lineStart);
      return;
    }
    emitPlain(start, plainEnd);
    endOfLine(pos);
  }
  if (indent > parent) giveUp(); // a continuation line, or bad indentation
}

// ------------------------------------------------------------------------------- flow collections

function isFlowIndicator(c: i32): bool {
  return c == COMMA || c == 91 || c == 93 || c == 123 || c == 125;
}

const STOP_FLOW = 3;

/** fast-yaml's scanPlainFlow: scanPlain inside a flow collection, where `,[]{}` also end a plain scalar. */
function scanPlainFlow(): i32 {
  let p = pos;
  let last = p;
  for (;;) {
    const c = at(p);
    if (c == LF) {
      pos = p;
      plainEnd = last;
      return STOP_EOL;
    }
    if (c == SPACE) {
      p++;
      continue;
    }
    if (c == COLON) {
      const n = at(p + 1);
      if (n == SPACE || n == LF || isFlowIndicator(n)) {
        pos = p;
        plainEnd = last;
        return STOP_COLON;
      }
    } else if (c == HASH) {
      if (at(p - 1) == SPACE) {
        pos = p;
        plainEnd = last;
        return STOP_COMMENT;
      }
    } else if (isFlowIndicator(c)) {
      pos = p;
      plainEnd = last;
      return STOP_FLOW;
    }
    p++;
    last = p;
  }
  return STOP_EOL; // (not reached: the loop returns)
}

/**
 * A scalar inside a flow collection at pos (fast-yaml's flowScalar): a value, or a plain key,
 * written as JSON; a quoted key is left to fast-yaml. Leaves pos after it.
 */
function flowScalar(isKey: bool, first: i32): void {
  const c = at(pos);
  if (c == DQUOTE || c == SQUOTE) {
    if (isKey) giveUp();
    emitQuoted(c);
    return;
  }
  const next = at(pos + 1);
  if (cannotStartPlain(c, next) || ((c == DASH || c == 63 || c == COLON) && isFlowIndicator(next))) giveUp();
  const start = pos;
  const stop = scanPlainFlow();
  if (stop != STOP_COLON && stop != STOP_FLOW) giveUp(); // multi-line, or a comment inside
  if (isKey) {
    checkKey(start, plainEnd);
    checkDuplicate(first, start, plainEnd);
    emitString(start, plainEnd);
  } else {
    emitPlain(start, plainEnd);
  }
}

/** `[...]` or `{...}` on one line at pos, holding scalars only (fast-yaml's flowCollection); leaves pos after it. */
function flowCollection(): void {
  if (++depth > MAX_DEPTH) giveUp();
  const isMap = at(pos) == 123;
  const term = isMap ? 125 : 93;
  const first = keysTop;
  emit(at(pos));
  let p = pos + 1;
  let readNext = true;
  for (let count = 0; ; count++) {
    p = skipSpaces(p);
    let c = at(p);
    if (c == term) {
      pos = p + 1;
      break;
    }
    if (!readNext || c == COMMA || c == LF || c == HASH) giveUp();
    if (count > 0) emit(COMMA);
    pos = p;
    flowScalar(isMap, first);
    p = skipSpaces(pos);
    c = at(p);
    if (isMap) {
      if (c != COLON) giveUp(); // `{a}` (a key without value)
      emit(COLON);
      p = skipSpaces(p + 1);
      c = at(p);
      if (c != COMMA && c != term) {
        pos = p;
        flowScalar(false, first);
        p = skipSpaces(pos);
        c = at(p);
      } else {
        emitWord("null");
      }
    } else if (c == COLON) {
      giveUp(); // `[a: 1]`: a pair inside a sequence
    }
    if (c == COMMA) {
      readNext = true;
      p++;
    } else {
      readNext = false;
    }
  }
  emit(term);
  keysTop = first;
  depth--;
}

/**
 * A key fast-yaml reads as its own text: ASCII letters, digits and `_./-` from a letter or `_`,
 * other than null and bool spellings (which js-yaml resolves before stringifying) and
 * `__proto__`.
 */
function checkKey(from: i32, to: i32): void {
  const c = at(from);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95)) giveUp();
  for (let p = from + 1; p < to; p++) {
    const d = at(p);
    if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || isDigit(d) || d == 95 || d == DOT || d == 47 || d == DASH)) giveUp();
  }
  if (to - from == 4 || to - from == 5) {
    if (nullOrBool(from, to) != 0) giveUp();
  }
  if (equals(from, to, "__proto__")) giveUp();
}

/** Gives up when src[from, to) equals a key of the mapping whose keys start at keys index first. */
function checkDuplicate(first: i32, from: i32, to: i32): void {
  const n = to - from;
  for (let k = first; k < keysTop; k++) {
    const ks = load<i32>(keys + (<usize>k << 3));
    const kn = load<i32>(keys + (<usize>k << 3) + 4);
    if (kn != n) continue;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (at(ks + i) != at(from + i)) {
        same = false;
        break;
      }
    }
    if (same) giveUp(); // js-yaml rejects duplicate keys
  }
  if (keysTop >= keysLimit) giveUp();
  store<i32>(keys + (<usize>keysTop << 3), from);
  store<i32>(keys + (<usize>keysTop << 3) + 4, n);
  keysTop++;
}

/** A block mapping at column m whose first key is src[keyFrom, keyTo), pos at its colon. */
function blockMap(keyFrom: i32, keyTo: i32, m: i32): void {
  if (++depth > MAX_DEPTH) giveUp();
  const first = keysTop;
  emit(123);
  let kf = keyFrom;
  let kt = keyTo;
  for (let count = 0; ; count++) {
    checkKey(kf, kt);
    checkDuplicate(first, kf, kt);
    if (count > 0) emit(COMMA);
    emitString(kf, kt);
    emit(COLON);
    // The value, after the colon at pos (fast-yaml's mapValue).
    const p = skipSpaces(pos + 1);
    const c = at(p);
    if (c == LF || c == HASH) {
      nextLine(c == LF ? p : lineEnd(p));
      if (indent > m) node(m, true, true);
      else if (indent == m && isSeqEntry(pos)) blockSeq(m);
      else emitWord("null");
    } else {
      pos = p;
      node(m, false, false);
    }
    if (indent != m) {
      if (indent > m) giveUp();
      break;
    }
    // The next key, at pos.
    const ks = pos;
    if (cannotStartPlain(at(ks), at(ks + 1)) || at(ks) == DQUOTE || at(ks) == SQUOTE) giveUp();
    if (scanPlain() != STOP_COLON) giveUp();
    kf = ks;
    kt = plainEnd;
  }
  emit(125);
  keysTop = first;
  depth--;
}

/** A block sequence whose first `-` is at pos, at column n. */
function blockSeq(n: i32): void {
  if (++depth > MAX_DEPTH) giveUp();
  emit(91);
  for (let count = 0; ; count++) {
    if (count > 0) emit(COMMA);
    // pos is at `-`, followed by a space or the end of the line.
    const p = skipSpaces(pos + 1);
    const c = at(p);
    if (c == LF || c == HASH) giveUp(); // the entry's node on the next line, or an empty entry
    pos = p;
    node(n, true, false);
    if (indent != n) {
      if (indent > n) giveUp();
      break;
    }
    if (!isSeqEntry(pos)) break;
  }
  emit(93);
  depth--;
}

// ------------------------------------------------------------------------------- streams

/** Where the caller puts the input. */
export function base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/**
 * Converts the stream of `len` bytes at base() (textLen of them the caller's text, the rest an
 * added line feed) into a JSON array of its documents' values written after it, in room for
 * outCap bytes, followed by room for keyCap key spans and then recordCap document records
 * (more JSON, keys or documents than that give up). Returns
 * the number of documents (jsonLength() gives the length of the JSON); traps when the input is
 * outside the subset.
 */
export function convert(len: i32, textLen: i32, outCap: i32, keyCap: i32, recordCap: i32): i32 {
  src = base();
  end = len;
  const outStart = src + <usize>len;
  out = outStart;
  outLimit = outStart + <usize>outCap;
  keys = outLimit;
  keysTop = 0;
  keysLimit = keyCap;
  const records = keys + (<usize>keyCap << 3);
  let docs = 0;
  let from = 0;
  let line = 1;
  markerCount = 0;
  emit(91);
  for (;;) {
    lineNo = line;
    depth = 0;
    toLine(from);
    if (indent < 0) {
      // No content: before the first marker that is not a document; anywhere else it is an
      // empty document, left to fast-yaml.
      if (from != 0 || nextDoc < 0) giveUp();
    } else {
      const contentStart = lineStart;
      const contentLine = lineNo;
      if (docs > 0) emit(COMMA);
      node(indent - 1, true, true);
      if (indent != -1) giveUp(); // content after the root node
      if (docs >= recordCap) giveUp();
      const r = records + (<usize>docs * 12);
      store<i32>(r, contentStart);
      store<i32>(r + 4, docEnd < textLen ? docEnd : textLen);
      store<i32>(r + 8, contentLine);
      docs++;
    }
    if (nextDoc < 0) break;
    from = nextDoc;
    line = markerLine + 1;
  }
  emit(93);
  jsonEnd = <i32>(out - outStart);
  return docs;
}

let jsonEnd: i32 = 0;
let markerCount: i32 = 0;

/** How many `---` markers the last convert read (a single document has none). */
export function markers(): i32 {
  return markerCount;
}

/** The length of the JSON the last convert wrote. */
export function jsonLength(): i32 {
  return jsonEnd;
}
