import { readBlockSubset } from "./block-subset.js";
import { jsYaml, kubernetesSchema } from "./kubernetes-schema.js";
import { readerDisagreement } from "./reader-disagreements.js";

/** One document of a YAML stream. */
export interface YamlDocument {
  /** The document's value, with Kubernetes' scalar rules. */
  readonly value: unknown;
  /** 1-based line of the document's first line that is not blank or a comment. */
  readonly line: number;
  /** The document's text (between separators), with line ends normalized to `\n`. */
  readonly text: string;
  /** 1-based line where `text` starts. */
  readonly textLine: number;
}

/** A problem that stops a document (or the whole stream) from being read. */
export interface YamlProblem {
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly fix: string;
}

export interface YamlStream {
  /** Documents with content, in order; documents that failed are left out. */
  readonly documents: YamlDocument[];
  readonly problems: YamlProblem[];
}

/**
 * go-yaml v2 refuses a document whose alias expansion is out of proportion to its size
 * ("document contains excessive aliasing", decode.go `allowedAliasRatio`): 99% of the decoded
 * nodes may come from aliases up to 400,000 nodes, falling to 10% at 4,000,000.
 */
function allowedAliasRatio(decoded: number): number {
  if (decoded <= 400_000) return 0.99;
  if (decoded >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000);
}

/**
 * Counts the nodes of a value as go-yaml decodes it (every alias expanded) and says whether
 * go-yaml would call it excessive aliasing. js-yaml shares one object for an anchor and its
 * aliases, so the second and later visits of an object are alias expansions. Aliases of
 * scalars are not seen (js-yaml copies them); they cannot grow a document much.
 */
function excessiveAliasing(value: unknown): boolean {
  const seen = new Set<object>();
  let decoded = 0;
  let aliased = 0;
  let excessive = false;
  const visit = (v: unknown, inAlias: boolean): void => {
    if (excessive) return;
    decoded++;
    if (inAlias) aliased++;
    if (aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded)) {
      excessive = true;
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const alias = inAlias || seen.has(v);
    seen.add(v);
    if (Array.isArray(v)) for (const item of v) visit(item, alias);
    else
      for (const key of Object.keys(v)) {
        visit(key, alias);
        visit((v as Record<string, unknown>)[key], alias);
      }
  };
  visit(value, false);
  return excessive;
}

/**
 * Whether a value contains itself: js-yaml builds `&x [*x]` as a cyclic object, where go-yaml
 * refuses the document ("anchor 'x' value contains itself", decode.go). Depth-first with the
 * objects on the current path; a shared (aliased) object met again off the path is no cycle.
 */
function containsItself(value: unknown): boolean {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (typeof v !== "object" || v === null || done.has(v)) return false;
    if (onPath.has(v)) return true;
    onPath.add(v);
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (visit(c)) return true;
    onPath.delete(v);
    done.add(v);
    return false;
  };
  return visit(value);
}

/** `---` alone on a line (trailing white space allowed): where kubectl splits a stream. */
const SEPARATOR = /^---[ \t]*$/;
/** Lines that a YAML parser reads as markers or directives (kubectl splits only on SEPARATOR). */
const MARKER_LIKE = /^(?:---|\.\.\.|%).*$/gm;
/** A marker-like line after a CR that no LF follows (an old Mac line end). */
const LONE_CR_MARKER = /\r(?:---|\.\.\.|%)/;
/** A line whose indentation holds a tab. */
const LEADING_TAB = /^ *\t/m;
/** A character go-yaml (YAML 1.1) reads as a line break and js-yaml does not, with what precedes it on its line. */
const YAML11_BREAK = /^[^\n]*?[\u0085\u2028\u2029]/m;
/** The first line that is neither blank nor only a comment. */
const CONTENT_LINE = /^(?![ \t]*(?:#.*)?$)/m;

/** Line feeds in text[from, to). */
function newlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Whether a document's text has a line that is neither blank nor only a comment. */
function hasContent(text: string): boolean {
  const m = CONTENT_LINE.exec(text);
  return m !== null && m.index < text.length;
}

/** One document's text between separators, and the line where it starts. */
interface Chunk {
  readonly text: string;
  readonly textLine: number;
}

/** The problem js-yaml reports for a document, at its place in the stream. */
function problemOf(err: unknown, chunk: Chunk, line: number): YamlProblem {
  const e = err as { reason?: string; message: string; mark?: { line: number; column: number } };
  return {
    line: e.mark ? chunk.textLine + e.mark.line : line,
    column: (e.mark?.column ?? 0) + 1,
    message: e.reason ?? e.message.split("\n")[0]!,
    fix: /unknown tag/.test(e.reason ?? "")
      ? "Remove the YAML tag: Kubernetes and meshfed read the value by its plain form."
      : "Fix the YAML at the position shown.",
  };
}

/**
 * Adds one document of a stream, given its parsed value (`parsed`), or parses it alone when it
 * has none (so that a problem is found at its own place).
 */
function addDocument(chunk: Chunk, documents: YamlDocument[], problems: YamlProblem[], parsed?: { value: unknown }, byFastReader = false): void {
  // hasContent's test, with the match kept for the document's first line.
  const content = CONTENT_LINE.exec(chunk.text);
  if (!content || content.index >= chunk.text.length) {
    // Blank and comment lines to js-yaml that go-yaml may read otherwise: a tab in a line's
    // indentation (refused), a YAML 1.1 line break in a comment (what follows it is content).
    const odd = LEADING_TAB.exec(chunk.text) ?? YAML11_BREAK.exec(chunk.text);
    if (odd)
      problems.push({
        line: chunk.textLine + newlines(chunk.text, 0, odd.index),
        column: odd[0].length,
        message: odd[0].endsWith("\t")
          ? "a tab in the indentation of a line with no content; Kubernetes' YAML reader refuses it"
          : "a NEL, U+2028 or U+2029 character, which Kubernetes' YAML reader (YAML 1.1) reads as a line break, so that what follows it on the line is no comment",
        fix: odd[0].endsWith("\t") ? "Remove the tab, or use spaces." : "Remove the character.",
      });
    return;
  }
  const line = chunk.textLine + newlines(chunk.text, 0, content.index);
  let value: unknown;
  if (parsed) value = parsed.value;
  else {
    try {
      value = jsYaml().load(chunk.text, { schema: kubernetesSchema() });
    } catch (err) {
      problems.push(problemOf(err, chunk, line));
      return;
    }
  }
  // The fast reader accepts none of the forms js-yaml reads differently from Kubernetes. Looked
  // for in empty documents too: Kubernetes may refuse one that js-yaml reads as null.
  const disagreement = byFastReader ? undefined : readerDisagreement(chunk.text);
  if (disagreement) {
    problems.push({ line: chunk.textLine + disagreement.line, column: disagreement.column + 1, message: disagreement.message, fix: disagreement.fix });
    return;
  }
  if (value === null || value === undefined) return;
  // The fast reader reads no anchors or aliases: only js-yaml's values can share or repeat nodes.
  if (!byFastReader && chunk.text.includes("*") && chunk.text.includes("&") && containsItself(value)) {
    problems.push({
      line,
      column: 1,
      message: "an anchor's value contains an alias of itself (yaml: anchor value contains itself)",
      fix: "Remove the alias inside the anchored value; Kubernetes refuses this document.",
    });
    return;
  }
  if (!byFastReader && chunk.text.includes("*") && chunk.text.includes("&") && excessiveAliasing(value)) {
    problems.push({
      line,
      column: 1,
      message: "document contains excessive aliasing",
      fix: "Write the repeated parts out instead of expanding aliases; Kubernetes refuses this document.",
    });
    return;
  }
  documents.push({ value, line, text: chunk.text, textLine: chunk.textLine });
}

/**
 * The stream's documents parsed in one js-yaml pass, one value per chunk, or undefined when
 * that is not possible (a syntax error anywhere: each chunk is then parsed alone, so that its
 * problem is reported at its own place). js-yaml starts a document at each separator, except
 * that text before the first one that holds no content is not a document of its own.
 */
function parseAll(text: string, chunks: readonly Chunk[]): unknown[] | undefined {
  let values: unknown[];
  try {
    values = jsYaml().loadAll(text, undefined, { schema: kubernetesSchema() });
  } catch {
    return undefined;
  }
  const skip = hasContent(chunks[0]!.text) ? 0 : 1;
  if (values.length !== chunks.length - skip) return undefined;
  return [...Array<unknown>(skip).fill(null), ...values];
}

/**
 * Reads a YAML stream the way Kubernetes does, in one way for every caller: the stream is split
 * into documents on lines that are `---` alone (as kubectl's YAML reader and the conformance
 * oracle split it), each document is parsed by js-yaml with Kubernetes' scalar rules (YAML 1.1
 * integers and booleans, see plain-scalar.ts), or, when it is plain block YAML, by the faster
 * block-subset.ts, which gives the same value. A byte order mark is dropped and CRLF or CR line
 * ends are read as LF, as go-yaml does. Forms that readers disagree on are refused with a
 * problem rather than read one way: a `---` line with anything after it, a `...` end marker,
 * a `%` directive, a marker after a line ending in a CR alone, tags outside YAML's standard
 * ones, duplicate keys, alias expansion that go-yaml calls excessive, and the forms listed in
 * reader-disagreements.ts.
 */
export function readYamlStream(input: string): YamlStream {
  return readYamlStreamWith(input, readBlockSubset);
}

/**
 * readYamlStream with a given fast reader: `fast` gives a document's value, or undefined to
 * leave the document to js-yaml. readYamlStream passes readBlockSubset (block-subset.ts); the
 * tests pass one that always answers undefined to get js-yaml alone.
 * @internal
 */
export function readYamlStreamWith(input: string, fast: (text: string) => unknown): YamlStream {
  let text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const documents: YamlDocument[] = [];
  const problems: YamlProblem[] = [];
  if (text.includes("\r")) {
    // kubectl splits a stream at line feeds only: a marker after a CR alone is no document break
    // to it, and go-yaml then reads the first document of the two and drops the rest.
    const lone = LONE_CR_MARKER.exec(text);
    if (lone) {
      problems.push({
        line: newlines(text.slice(0, lone.index + 1).replace(/\r\n?/g, "\n"), 0, Number.POSITIVE_INFINITY) + 1,
        column: 1,
        message:
          "a `---`, `...` or `%` line after a line ending in a carriage return alone; kubectl does not split the stream there, and Kubernetes then reads the first document only or refuses the text",
        fix: "End the lines with a line feed (LF or CRLF), not a carriage return alone.",
      });
      return { documents, problems };
    }
    text = text.replace(/\r\n?/g, "\n");
  }
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 1;
  MARKER_LIKE.lastIndex = 0;
  for (let m = MARKER_LIKE.exec(text); m !== null; m = MARKER_LIKE.exec(text)) {
    const lineNo = startLine + newlines(text, start, m.index);
    if (!SEPARATOR.test(m[0])) {
      const shown = m[0].length > 40 ? `${m[0].slice(0, 40)}…` : m[0];
      problems.push({
        line: lineNo,
        column: 1,
        message: `"${shown}" is a YAML marker or directive that kubectl does not split on`,
        fix: "Put `---` alone on its line between documents, and remove `...` markers and `%` directives.",
      });
      return { documents: [], problems };
    }
    // The document is the text between separators, without the line feed before this one.
    chunks.push({ text: text.slice(start, Math.max(start, m.index - 1)), textLine: startLine });
    start = Math.min(text.length, m.index + m[0].length + 1);
    startLine = lineNo + 1;
  }
  chunks.push({ text: text.slice(start), textLine: startLine });
  // The fast reader first: when it reads every document, js-yaml is not needed at all.
  const fastValues = chunks.map((chunk) => (hasContent(chunk.text) ? fast(chunk.text) : null));
  // Otherwise one js-yaml pass over the whole stream when it parses, as the values of documents
  // that js-yaml reads can depend on it (a `|+` block scalar keeps the blank lines before a
  // separator in the stream, which the document's own text leaves out); the same values as
  // chunk by chunk otherwise, since every separator js-yaml sees is one kubectl splits on (the
  // others were refused above).
  const values = fastValues.includes(undefined) ? parseAll(text, chunks) : fastValues;
  chunks.forEach((chunk, i) => {
    const parsed = values ? { value: values[i] } : fastValues[i] !== undefined ? { value: fastValues[i] } : undefined;
    addDocument(chunk, documents, problems, parsed, fastValues[i] !== undefined);
  });
  return { documents, problems };
}
