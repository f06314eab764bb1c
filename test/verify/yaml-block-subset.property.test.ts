import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readBlockSubset } from "../../src/verify/yaml/block-subset.js";
import { readYamlStream, readYamlStreamWith } from "../../src/verify/yaml/read-yaml.js";
import { difference, fastMismatch } from "./yaml-same-value.js";

/**
 * The fast reader (block-subset.ts) against js-yaml with Kubernetes' schema, on random texts
 * from a grammar of block YAML that mostly lies in the subset, then bent into near misses.
 * MESHFED_YAML_RUNS and MESHFED_YAML_SEED run more cases or other ones.
 */
const RUNS = Number(process.env.MESHFED_YAML_RUNS ?? 5000);
const SEED = Number(process.env.MESHFED_YAML_SEED ?? 20261206);

/** Characters for random words: YAML's indicators, white space, quotes, escapes, digits, letters. */
const CHARS = [..."-?:,[]{}#&*!|>'\"%@`\\ \t.+_~<=/0123456789abexyoOnNTFé", "\u00a0", "\n", "\r", "\u0085", "\u2028", "\ufeff", "\u0001"];
const junk = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 7 });

/** Keys that are plain words, some of them resolving to booleans, null or numbers. */
const KEYS = [
  "name",
  "app.kubernetes.io/name",
  "tcp-5432",
  "y",
  "n",
  "yes",
  "on",
  "OFF",
  "true",
  "null",
  "Null",
  "1",
  "07",
  "0x1F",
  "1_0",
  ".5",
  "1e3",
  "1.50",
  "constructor",
  "toString",
  "_",
  "'q'",
  '"q"',
  '"a b"',
];
/** Keys outside the subset or that js-yaml refuses. */
const ODD_KEYS = [
  "~",
  "+1",
  "-0",
  "-0.0",
  "9223372036854775808",
  ".inf",
  "-.inf",
  ".nan",
  "<<",
  "__proto__",
  "-a",
  "a b",
  "a#b",
  "a:b",
  "[a]",
  "{a}",
  "&x a",
  "*x",
  "!t a",
  "!!str a",
  "? a",
  "",
  "'a''b'",
  '"a\\"b"',
  '"__proto__"',
  "'<<'",
  '""',
  "...",
  "é",
  ".",
  "- a",
];
/** Scalars in the subset: YAML 1.1 forms of every type, quoted scalars, the empty flow forms. */
const SCALARS = [
  "x",
  "hello world",
  "05432",
  "0x1538",
  "+0x1538",
  "-0x1538",
  "1_000",
  "0b101",
  "-0b101",
  "0o17",
  "0O17",
  "09",
  "0",
  "-0",
  "+0",
  ".5",
  "-.5",
  "1e3",
  "1E3",
  "1.",
  "-1.5e-3",
  "1e400",
  "-0.0",
  "0.0",
  "+1",
  "yes",
  "Yes",
  "YES",
  "no",
  "y",
  "n",
  "on",
  "off",
  "true",
  "False",
  "TRUE",
  "~",
  "null",
  "NULL",
  "Null",
  "2024-01-01",
  "1:20",
  "12:30:45",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551615",
  "18446744073709551616",
  "-9223372036854775808",
  "-9223372036854775809",
  "0x",
  "0b",
  "_1",
  "1__0",
  "1_",
  "<<",
  "=",
  "--",
  "-x",
  "a:b",
  "a#b",
  "a #b",
  "'q'",
  "'it''s'",
  "''",
  '""',
  '"q"',
  '"a\\nb"',
  '"a\\tb"',
  '"\\\\"',
  '"a\\"b"',
  '"a\\rb"',
  '"a # b"',
  "'a # b'",
  "[]",
  "{}",
  "[] #c",
  "x,y",
  "x]",
  "x}",
  "a b  ",
  "é",
  "a\u00a0#b",
  "10.1.4.10",
  "mesh-000.fed.internal/*",
  "http://x:80/y",
  "~x",
  "<x>",
];
/** Scalars outside the subset, or that js-yaml refuses or reads across lines. */
const ODD_SCALARS = [
  "+.inf",
  ".inf",
  "-.Inf",
  ".nan",
  ".NaN",
  "-",
  "- x",
  "?x",
  "? x",
  ":x",
  ": x",
  "a: b",
  "a:",
  "#x",
  "&x",
  "&x y",
  "*x",
  "!t",
  "!!str x",
  "!!int 5",
  "|",
  ">",
  "|-\n  x",
  "'",
  '"',
  "'a' b",
  '"a\\x41"',
  '"a\\/b"',
  '"a\\u0041"',
  '"a\\ b"',
  '"a\\0"',
  "%x",
  "@x",
  "`x",
  "[ ]",
  "[a]",
  "{a: b}",
  "[a, b]",
  "{}x",
  "[]#c",
  "a\tb",
  "'multi\n  line'",
  '"multi\n  line"',
  "plain\n  more",
];
const WORD = fc.constantFrom("a", "b", "c", "d");
const key = fc.oneof(
  { weight: 12, arbitrary: WORD },
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) },
  { weight: 1, arbitrary: junk },
);
const scalar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SCALARS) },
  { weight: 4, arbitrary: fc.constantFrom("v", "db", "x1") },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_SCALARS) },
  { weight: 1, arbitrary: junk },
);
/** What may follow a value on its line: mostly nothing, else spaces, a comment, a tab. */
const tail = fc.oneof({ weight: 12, arbitrary: fc.constant("") }, fc.constantFrom(" ", "  ", " # c", "  #c: d", "#c", " #", "\t", " \t"));
const step = fc.constantFrom(1, 2, 2, 2, 3, 4);

interface MapNode {
  kind: "map";
  step: number;
  entries: { key: string; sep: string; value: Value }[];
}
interface SeqNode {
  kind: "seq";
  step: number;
  /** A sequence that is a key's value at the key's own indentation (`key:\n- x`). */
  sameIndent: boolean;
  items: { space: string; compact: boolean; value: Value }[];
}
type Node = MapNode | SeqNode;
type Value = { kind: "scalar"; text: string; tail: string } | { kind: "nested"; node: Node; tail: string };

const tree = fc.letrec<{ node: Node; map: MapNode; seq: SeqNode; value: Value }>((tie) => ({
  node: fc.oneof({ depthSize: "small" }, tie("map"), tie("seq")),
  map: fc.record({
    kind: fc.constant("map" as const),
    step,
    entries: fc.array(
      fc.record({ key, sep: fc.oneof({ weight: 12, arbitrary: fc.constant(": ") }, fc.constantFrom(":  ", ":", " : ")), value: tie("value") }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  seq: fc.record({
    kind: fc.constant("seq" as const),
    step,
    sameIndent: fc.boolean(),
    items: fc.array(
      fc.record({ space: fc.oneof({ weight: 12, arbitrary: fc.constant(" ") }, fc.constantFrom("  ", "   ", "")), compact: fc.boolean(), value: tie("value") }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  }),
  value: fc.oneof(
    { depthSize: "small" },
    fc.record({ kind: fc.constant("scalar" as const), text: scalar, tail }),
    fc.record({ kind: fc.constant("nested" as const), node: tie("node"), tail }),
  ),
})).node;

/** The lines of a node at `indent`, its first line continuing `prefix` when given (`- ` items). */
function render(node: Node, indent: number, lines: string[], prefix?: string): void {
  const col = prefix === undefined ? indent : prefix.length;
  const pad = " ".repeat(col);
  if (node.kind === "map") {
    node.entries.forEach((e, i) => {
      const head = `${i === 0 && prefix !== undefined ? prefix : pad}${e.key}${e.sep}`;
      if (e.value.kind === "scalar") lines.push(`${head}${e.value.text}${e.value.tail}`);
      else {
        lines.push(`${head.trimEnd()}${e.value.tail}`);
        const child = e.value.node;
        render(child, child.kind === "seq" && child.sameIndent ? col : col + node.step, lines);
      }
    });
  } else {
    node.items.forEach((item, i) => {
      const head = `${i === 0 && prefix !== undefined ? prefix : pad}-${item.space}`;
      if (item.value.kind === "scalar") lines.push(`${head}${item.value.text}${item.value.tail}`);
      else if (item.compact && item.space !== "") render(item.value.node, 0, lines, head);
      else {
        lines.push(`${head.trimEnd()}${item.value.tail}`);
        render(item.value.node, col + node.step, lines);
      }
    });
  }
}

/** Ways to bend a text: a character in or out, a line moved, doubled, re-indented, a comment or tab put in. */
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("insert", "delete", "duplicate", "indent", "dedent", "tab", "comment", "blank", "swap", "join", "cr"),
  ch: fc.constantFrom(...CHARS),
});

function mutate(text: string, m: { at: number; kind: string; ch: string }): string {
  const lines = text.split("\n");
  const l = m.at % lines.length;
  const p = m.at % (text.length + 1);
  switch (m.kind) {
    case "insert":
      return text.slice(0, p) + m.ch + text.slice(p);
    case "delete":
      return text.slice(0, p) + text.slice(p + 1);
    case "duplicate":
      lines.splice(l, 0, lines[l]!);
      break;
    case "indent":
      lines[l] = ` ${lines[l]}`;
      break;
    case "dedent":
      lines[l] = lines[l]!.replace(/^ /, "");
      break;
    case "tab":
      lines[l] = `\t${lines[l]}`;
      break;
    case "comment":
      lines.splice(l, 0, `${" ".repeat(m.at % 7)}# note`);
      break;
    case "blank":
      lines.splice(l, 0, " ".repeat(m.at % 5));
      break;
    case "swap":
      if (l + 1 < lines.length) [lines[l], lines[l + 1]] = [lines[l + 1]!, lines[l]!];
      break;
    case "join":
      if (l + 1 < lines.length) lines.splice(l, 2, `${lines[l]} ${lines[l + 1]!.trimStart()}`);
      break;
    default:
      lines[l] = `${lines[l]}\r`;
  }
  return lines.join("\n");
}

const documentText = fc
  .record({
    node: tree,
    indent: fc.constantFrom(0, 0, 0, 1, 2),
    mutations: fc.oneof({ weight: 2, arbitrary: fc.array(mutation, { maxLength: 0 }) }, fc.array(mutation, { minLength: 1, maxLength: 2 })),
    end: fc.constantFrom("\n", "", "\n\n"),
  })
  .map(({ node, indent, mutations, end }) => {
    const lines: string[] = [];
    render(node, indent, lines);
    return mutations.reduce(mutate, lines.join("\n") + end);
  });

describe("the fast reader gives js-yaml's value, or leaves the document to js-yaml", () => {
  it(`on ${RUNS} random block documents and near misses`, () => {
    let read = 0;
    fc.assert(
      fc.property(documentText, (text) => {
        const fast = readBlockSubset(text);
        if (fast !== undefined) read++;
        const mismatch = fastMismatch(text, fast);
        expect(mismatch, `${JSON.stringify(text)}\n${mismatch}`).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The grammar must keep reaching the fast path, or the test would prove nothing.
    expect(read / RUNS).toBeGreaterThan(0.1);
    expect(read / RUNS).toBeLessThan(0.9);
  });

  it("on random streams, readYamlStream gives what js-yaml alone gives: values, lines, problems", () => {
    const separator = fc.constantFrom("---\n", "---\n", "---\n", "---  \n", "--- #x\n", "...\n", "---\n# c\n");
    const stream = fc.tuple(fc.array(fc.tuple(documentText, separator), { minLength: 1, maxLength: 4 }), fc.constantFrom("", "# head\n", "\ufeff"));
    fc.assert(
      fc.property(stream, ([docs, head]) => {
        // Each document on its own lines, a separator line between them.
        const text = head + docs.map(([d, s], i) => (i === 0 ? d : (docs[i - 1]![0].endsWith("\n") ? "" : "\n") + s + d)).join("");
        const fast = readYamlStream(text);
        const slow = readYamlStreamWith(text, () => undefined);
        expect(fast.problems).toEqual(slow.problems);
        expect(fast.documents.map(({ value: _, ...rest }) => rest)).toEqual(slow.documents.map(({ value: _, ...rest }) => rest));
        fast.documents.forEach((d, i) => {
          expect(difference(d.value, slow.documents[i]!.value), JSON.stringify(text)).toBeUndefined();
        });
      }),
      { numRuns: Math.ceil(RUNS / 4), seed: SEED },
    );
  });
});

describe("the subset's edges", () => {
  it.each([
    ["a: 05432\nb: 0x1538\nc: yes\nd: ~\ne: '05432'\nf: \"x\\ty\"\n", { a: 2842, b: 5432, c: true, d: null, e: "05432", f: "x\ty" }],
    ["yes: 1\nOff: 2\n", { true: 1, false: 2 }],
    ["0x10: 2\n", undefined],
    ["a:\n- x\n- - y\n", undefined],
    ["a:\n- x\n-\n  b: 1 # c\n  c: []\nd: {}\n", { a: ["x", { b: 1, c: [] }], d: {} }],
    ["- a: 1\n  b:\n  - 2\n-\n- c\n", [{ a: 1, b: [2] }, null, "c"]],
    ["a: b\n  c\n", undefined],
    ["a: b\n  # c\nd: e\n", undefined],
    ["a: 1\na: 2\n", undefined],
    ["a: &x 1\nb: *x\n", undefined],
    ["a: |\n  x\n", undefined],
    ["a: {b: 1}\n", undefined],
    ["a: .inf\n", undefined],
    ['"__proto__": 1\n', undefined],
    ["a:\tb\n", undefined],
    ["x\n", undefined],
    [Array.from({ length: 60 }, (_, i) => `${" ".repeat(i)}a:\n`).join(""), undefined],
    [Array.from({ length: 40 }, (_, i) => `${" ".repeat(i)}a:\n`).join(""), JSON.parse(`${'{"a":'.repeat(40)}null${"}".repeat(40)}`)],
  ])("%j → %j", (text, value) => {
    expect(readBlockSubset(text)).toStrictEqual(value);
    expect(fastMismatch(text, readBlockSubset(text))).toBeUndefined();
  });
});
