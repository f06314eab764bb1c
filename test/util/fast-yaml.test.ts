import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { layoutFiles, renderYamlStream } from "../../src/render/render.js";
import { compiledYamlAvailable, parseYamlDocument, parseYamlStream, parseYamlStreamCompiled, useCompiledYaml, type FastDocument } from "../../src/util/fast-yaml.js";
import { exampleText, repoRoot } from "../helpers/fixtures.js";

/** What the parser must agree with: js-yaml's core schema. */
function jsLoad(text: string): { value: unknown } | { error: string } {
  try {
    return { value: jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function jsLoadAll(text: string): unknown[] | undefined {
  try {
    return jsyaml.loadAll(text, null, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

/** The parser's answer for one document: equal to js-yaml's, or it gave up. Returns whether it accepted. */
function expectEqualOrGiveUp(text: string): boolean {
  const fast = parseYamlDocument(text);
  if (fast === undefined) return false;
  const js = jsLoad(text);
  if ("error" in js) expect.fail(`js-yaml rejects ${JSON.stringify(text)} (${js.error}) but fast-yaml gave ${JSON.stringify(fast.value)}`);
  expect(fast.value, JSON.stringify(text)).toStrictEqual(js.value);
  return true;
}

/** Checks every document of a stream against js-yaml on the document's own text. Returns the documents. */
function checkStream(text: string, name: string): FastDocument[] | undefined {
  const docs = parseYamlStream(text);
  if (docs === undefined) return undefined;
  let previousEnd = 0;
  for (const d of docs) {
    const where = `${name}:${d.line}`;
    expect(d.start, where).toBeGreaterThanOrEqual(previousEnd);
    expect(d.end, where).toBeGreaterThanOrEqual(d.start);
    expect(d.end, where).toBeLessThanOrEqual(text.length);
    expect(d.line, where).toBe(text.slice(0, d.start).split("\n").length);
    previousEnd = d.end;
    const slice = text.slice(d.start, d.end);
    if (d.empty) {
      expect(slice, where).toMatch(/^(?:[ ]*(?:#[^\n]*)?\n)*(?:[ ]*(?:#[^\n]*)?)$/);
    } else {
      expect(slice, where).toMatch(/^[ ]*[^ \n#]/); // starts at a content line
    }
    if (!d.ok) {
      expect(d.value, where).toBeUndefined();
      continue;
    }
    const js = jsLoad(slice);
    if ("error" in js) expect.fail(`${where}: js-yaml rejects a document fast-yaml accepted: ${js.error}`);
    expect(d.value, where).toStrictEqual(js.value);
  }
  // Same documents as js-yaml's loadAll on the whole stream, when it reads it.
  const all = jsLoadAll(text);
  if (all !== undefined) {
    expect(docs.length, name).toBe(all.length);
    docs.forEach((d, i) => {
      if (d.ok && !d.empty) expect(d.value, `${name} document ${i}`).toStrictEqual(all[i]);
      if (d.empty) expect(all[i], `${name} document ${i}`).toBeNull();
    });
  }
  return docs;
}

describe("parseYamlStream on the repository's YAML", () => {
  const files = execFileSync("git", ["ls-files", "*.yaml", "*.yml"], { cwd: repoRoot, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.includes("node_modules/"));

  it("finds YAML files to check", () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it("gives exactly js-yaml's value for every document it accepts, and accepts nearly all of them", () => {
    let documents = 0;
    let accepted = 0;
    const undefinedStreams: string[] = [];
    const givenUpInGenerated: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      const docs = checkStream(text, file);
      if (docs === undefined) {
        undefinedStreams.push(file);
        continue;
      }
      for (const d of docs) {
        if (d.empty) continue;
        documents++;
        if (d.ok) accepted++;
        else if (file.startsWith("conformance/scenarios/") || file.startsWith("examples/")) givenUpInGenerated.push(`${file}:${d.line}`);
      }
    }
    expect(undefinedStreams).toEqual([]);
    expect(givenUpInGenerated).toEqual([]);
    expect(documents).toBeGreaterThan(500);
    expect(accepted / documents).toBeGreaterThan(0.9);
  });

  it("accepts every document meshfed renders for the example federation", () => {
    const compiled = compileFederation(parseFederation(exampleText).federation!).compiled!;
    const texts = new Map<string, string>([["stream", renderYamlStream(compiled)], ...layoutFiles(compiled)]);
    expect(texts.size).toBeGreaterThan(5);
    for (const [name, text] of texts) {
      const docs = checkStream(text, name);
      expect(docs, name).toBeDefined();
      const notAccepted = docs!.filter((d) => !d.ok || d.empty).map((d) => d.line);
      expect(notAccepted, name).toEqual([]);
    }
  });
});

/** Inputs js-yaml and fast-yaml must agree on; "accept" ones must not be given up. */
const accepted: readonly string[] = [
  "key: 'it''s'",
  'k: "a\\"b"',
  "k: 0o17",
  "k: 0x1F",
  "k: 0b101",
  "k: 1e3",
  "k: 1.5e+3",
  "k: .5",
  "k: 0.",
  "k: -.inf",
  "k: +.INF",
  "k: .NaN",
  "k: 012",
  "k: 1_000",
  "k: +12",
  "k: -0",
  "k: -0.0",
  "k: 99999999999999999999",
  "k: ~",
  "k:",
  "k: null",
  "k: Null",
  "k: nULL",
  "k: True",
  "k: FALSE",
  "k: fAlse",
  "k: yes",
  "k: on",
  "k: a # comment",
  "k: a#b",
  'k: "a # b"',
  "k: a  b  ",
  "k : v",
  "'k'   :   v",
  '"k": v',
  "- - a",
  "- - a\n  - b\n- c",
  "-\n  - a\n-\n- b",
  "key:\n- a\n- b",
  "key:\n- a\n- b\nnext: c",
  "- k:\n  - a\n  j: 2",
  "- a: 1\n  b: 2",
  "-  a: 1\n   b: 2\n-   - x\n    - y",
  "a:\n  b:\n    c: 1\n  d: [1, 2, '3']\ne: {x: 1, 'y': \"z\"}\n",
  "k: [a, b]",
  "k: [a, b,]",
  "k: {}",
  "k: []",
  "k: { }",
  "k: [ ]",
  "k: {a: , b: 1}",
  'k: {"a":b}',
  "k: [a] # c",
  "k: |\n  line 1\n  line 2\n",
  "k: |-\n  a\n\n",
  "k: |+\n  a\n\n",
  "k: |2\n    a\n   b\n",
  "k: | # comment\n  a\n",
  "k: |\n\n\n  a\n\n\n",
  "k: >\n  a\n  b\n\n  c\n    d\n  e\n",
  "k: >-\n  a\n   b\n  c\n",
  "k: >+\n\n  a\n\n",
  "- |\n  a\n- >\n  b\n",
  "cert: |\n  -----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----\nnext: 1\n",
  "key with spaces: v",
  "k: http://x:80/a",
  'k: "10.0.0.1"',
  "k: 10.0.0.1",
  "k: 2024-01-01",
  "k: 1:20",
  "k: :x",
  "k: -x",
  "k: ?x",
  "k: a,b",
  "k: a[1]",
  "a,b: c",
  "a:b: c",
  "1: x\ntrue: y\n~: z\n0x10: w\n1.5: v",
  "constructor: 1\ntoString: 2",
  'k: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\e\\0\\a\\b\\v\\f\\r\\t\\/\\ "',
  "k: é中😀",
  "k: 'a' # c",
  "  a: 1\n  b: 2\n",
  "a: 1\n  # deeper comment\nb: 2",
  "a:\n  - 1\n  # c\n  - 2\nb: 3",
  "hello",
  "123",
  '"quoted"',
  "[a, b]",
  "{}",
  "# only a comment\n",
  "",
  "\n\n",
  // Boundaries of the native (RegExp) line paths: `key: scalar`, `key:`, `- scalar`, `- key:`.
  "k: a #b",
  "k: a# b",
  "k: a#",
  "k: a #",
  "k: #x",
  "k: a:#\nj: b",
  "k: a::b",
  "k: a :b",
  "- a:b\n- a :b\n- a#b\n- a #b",
  "k: a   \nj: b  \n",
  "- a  \n- 'b'  \n- \"c\"  \n",
  "k:   \nj: 1",
  "k:\n\n  a: 1\n\n  b: 2\n\nc: 3",
  "a: 1\n\nb: 2",
  "a: 1\n# c\nb: 2",
  "a: 1\n  # c\nb: 2\n",
  "- a\n\n- b\n# c\n- c",
  "k: v\n-x: 1",
  "k: v\n--x: 1",
  "k: v\n.x: 1",
  "k: v\n..x: 1",
  "k:\n- a\n- b\nj: c",
  'k: "a\tb"\nj: \'a\tb\'',
  "k: ''\nj: \"\"",
  "k: a\\b",
  "k: $x\nj: (x)\nl: /x\nm: ;x\nn: <x\no: =x\np: ^x\nq: _x\nr: \\x",
  "k: nan\nj: NULL\nl: n\nm: t\no: False\np: f",
  "k: +1\nj: .5\nl: 0.5.1\nm: ~\nn: 1_0\no: 0x1f",
  "- +1\n- .5\n- ~\n- True\n- 0o7",
  "- k: 1\n  j: 2\n- k:\n    - x\n  j:\n    l: m\n- - n",
  "-   k: 1\n    j: 2",
  "a:\n  b:\n    c: d\n  e: f\ng: h",
  "a:\n  - b\n  - c: d\n    e: f\n",
  "True: 1\nfalse: 2\nnull: 3\nNull1: 4",
  "a: 1\nb: 2\na2: 3\nb2: 4",
];

/** Inputs fast-yaml must give up on (outside the subset, or js-yaml rejects them). */
const givenUp: readonly string[] = [
  "k: x:",
  "k: - x",
  "k: a: b",
  "k: -",
  "k: ? x",
  "- ? x",
  "? a\n: b",
  "k:\tv",
  "\tk: v",
  "k: a\tb",
  "k: v\r\n",
  "a: 1\r\nb: 2\r\n",
  "a: &x 1",
  "a: *x",
  "a: !t 1",
  "k: @x",
  "k: `x",
  "k: %x",
  "k: ,x",
  "a: 1\na: 2",
  "__proto__: 1",
  "<<: 1",
  "1: a\n0x1: b",
  "1: x\n1.0: y",
  "k: 'multi\n  line'",
  'k: "multi\n  line"',
  "k: plain\n  continued",
  "k: [a, [b]]",
  "k: [a,\n b]",
  "k: {a}",
  "[a: 1]",
  "{a:1}",
  'k: "\\q"',
  "k: 'a'#c",
  "k: [a]#c",
  "k: |0\n a",
  "k: |10\n a",
  "k: |x\n a",
  "k: |\n      \n  text",
  "  a: 1\nb: 2\n",
  "a: 1\n- b",
  "- a\nb: 1",
  "- a\n - b",
  "a:\n  b: 1\n c: 2",
  "- k:\n - a",
  "---x: 1",
  "...x: 1",
  "---\na: 1",
  "%YAML 1.2\n---\na: 1",
  "\ufeffa: 1",
  "k: a\u0001",
  "k: '\u0001'",
  "k: a\u007f",
  "k: a\u0000",
  "k: |\n  a\u0001\n",
  // Boundaries of the native (RegExp) line paths.
  "k: a: b\nj: c",
  "k: a:\nj: c",
  "k: a :\nj: c",
  "- a: b: c",
  "- a:\n- b: c: d",
  "k: a\tb\nj: c",
  "k: a\t\nj: c",
  "k: 'a'\t\nj: c",
  "k: \"a\"b\nj: c",
  "k: 'a'b\nj: c",
  "k: 'a\nj: c",
  "- a\n  b",
  "- a\n   - b",
  "k: a\n  j: b",
  "k:\n  a: 1\n   b: 2",
  "k:\n    a: 1\n  b: 2",
  "a: 1\nb: 2\na: 3",
  "a: 1\nb: 2\na2: 3\nb2: 4\na: 1x",
  "True: 1\ntrue: 2",
  "a: 1\nTRUE: 2\ntrue: 3",
  "k: v\n---x: 1",
  "k: v\n...x: 1",
  "k: v\n%x: 1",
  "k: v\n\tj: 1",
  "- a\n- b\n  c: d",
];

describe("parseYamlDocument edge cases", () => {
  it.each(accepted.map((t) => [JSON.stringify(t), t]))("accepts %s with js-yaml's value", (_, text) => {
    expect(parseYamlDocument(text), "gave up").toBeDefined();
    expect(expectEqualOrGiveUp(text)).toBe(true);
  });

  it.each(givenUp.map((t) => [JSON.stringify(t), t]))("gives up on %s", (_, text) => {
    expect(parseYamlDocument(text)).toBeUndefined();
  });

  it("gives up on keys that are duplicates once resolved, also when it has seen them before", () => {
    for (let round = 0; round < 3; round++) {
      for (const text of ["0x1: a\n1: b", "1: a\n0x1: b", "~: a\nnull: b", "null: a\n~: b", "a: 1\nb: 2\na: 3", "1.0: a\n1: b"]) {
        expect(parseYamlDocument(text), `${JSON.stringify(text)} round ${round}`).toBeUndefined();
      }
    }
  });

  it("gives up on duplicate keys in any order, also after many other keys (key table numbering)", () => {
    const many = Array.from({ length: 9000 }, (_, i) => `k${i}: ${i}`).join("\n");
    expect(parseYamlDocument(many)).toBeDefined();
    expect(parseYamlDocument(`${many}\nk5: x`)).toBeUndefined();
    expect(parseYamlDocument(`${many}\nk8999: x`)).toBeUndefined();
    for (let round = 0; round < 3; round++) {
      // The same keys in other orders: the key predictor must not hide a duplicate.
      expect(parseYamlDocument("a: 1\nb: 2\nc: 3")).toBeDefined();
      expect(parseYamlDocument("a: 1\nb: 2\nb: 3")).toBeUndefined();
      expect(parseYamlDocument("a: 1\nc: 2\na: 3")).toBeUndefined();
      expect(parseYamlDocument("x:\n  a: 1\n  b: 2\ny:\n  a: 1\n  a: 2")).toBeUndefined();
      expect(parseYamlDocument(`a: 1\n${"x".repeat(200)}: 2\n${"x".repeat(200)}: 3`)).toBeUndefined();
    }
  });

  it("counts lines through the native line paths", () => {
    const text = "a: 1\nb:\n  - x\n  - k: v\n    j: 'w'\n\n# c\nc: \"d\"\n---\n\n  # c\ne: f\n---\n- g\n";
    const docs = checkStream(text, "lines");
    expect(docs?.map((d) => [d.line, d.ok])).toEqual([
      [1, true],
      [12, true],
      [14, true],
    ]);
  });

  it("reads keys and scalars the way js-yaml's core schema does", () => {
    expect(parseYamlDocument("a: 0o17\nb: 012\nc: 1_000\nd: yes\ne: ~\nf:\ng: 2024-01-01\nh: -.inf\n")?.value).toStrictEqual({
      a: 15,
      b: 12,
      c: "1_000",
      d: "yes",
      e: null,
      f: null,
      g: "2024-01-01",
      h: -Infinity,
    });
    // Plain keys are resolved, then stringified.
    expect(Object.keys(parseYamlDocument("1: a\ntrue: b\n~: c\n0x10: d\n.inf: e\n")?.value as object)).toEqual(["1", "16", "true", "null", "Infinity"]);
    expect(Object.getPrototypeOf(parseYamlDocument("a: 1")?.value)).toBe(Object.prototype);
  });
});

describe("parseYamlStream", () => {
  it("locates each document: first content line, offsets up to the next marker, empty documents", () => {
    const text = [
      "# leading comment", // 1
      "", // 2
      "---", // 3
      "# about a", // 4
      "a: 1", // 5
      "", // 6
      "---", // 7
      "  # only a comment", // 8
      "---", // 9
      "b:", // 10
      "  - x", // 11
      "bad: - y", // 12
      "--- ", // 13
      "", // 14
      "c: 2", // 15
      "",
    ].join("\n");
    const offset = (line: number) => text.split("\n").slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    const docs = parseYamlStream(text)!;
    expect(docs.map(({ value, ok, line, start, end, empty }) => ({ value, ok, line, start, end, empty }))).toStrictEqual([
      { value: { a: 1 }, ok: true, line: 5, start: offset(5), end: offset(7), empty: false },
      { value: null, ok: true, line: 8, start: offset(8), end: offset(9), empty: true },
      { value: undefined, ok: false, line: 10, start: offset(10), end: offset(13), empty: false },
      { value: { c: 2 }, ok: true, line: 15, start: offset(15), end: text.length, empty: false },
    ]);
    expect(text.slice(docs[0]!.start, docs[0]!.end)).toBe("a: 1\n\n");
    expect(text.slice(docs[3]!.start, docs[3]!.end)).toBe("c: 2\n");
  });

  it("has as many documents as js-yaml's loadAll, including empty ones", () => {
    expect(parseYamlStream("")).toEqual([]);
    expect(parseYamlStream("\n")).toEqual([]);
    expect(parseYamlStream("a: 1\n---\n")!.map((d) => [d.value, d.empty])).toEqual([
      [{ a: 1 }, false],
      [undefined, true],
    ]);
    expect(parseYamlStream("---\na: 1\n---\n---\nb: 2")!.map((d) => d.value)).toEqual([{ a: 1 }, undefined, { b: 2 }]);
  });

  it("returns undefined for streams it does not split safely", () => {
    for (const text of ["%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "a: 1\n--- !tag\nb: 2\n", "--- |\n  x\n", "a: 1\n--- # c\nb: 2\n", "\ufeffa: 1\n"]) {
      expect(parseYamlStream(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("gives up on a document without losing the next ones", () => {
    const docs = parseYamlStream("a: &x 1\n---\nb: 2\n---\nc: x\r\n---\nd: 4\n")!;
    expect(docs.map((d) => [d.ok, d.value])).toEqual([
      [false, undefined],
      [true, { b: 2 }],
      [false, undefined],
      [true, { d: 4 }],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const tricky = fc.constantFrom(
  "", " ", "x", "a b", " lead", "trail ", "a: b", "a:b", "key:", ":x", "a #b", "a#b", "#x", "-x", "- x", "-", "?x", "? x", "'q'", '"d"', "it's", 'say "hi"',
  "\\", "a\nb", "a\n\nb\n", "\n", "tab\there", "\t", "5432", "0x1F", "0o17", "012", "1e3", ".5", "1.", "1_000", "+1", "-0", ".inf", ".nan", "2001-12-14",
  "1:20", "true", "True", "yes", "on", "Off", "null", "~", "NULL", "*", "*.local", "&a", "!tag", "%p", "@x", "`x", "{x}", "[x]", "a, b", "|", ">", "---", "...",
  "10.20.0.10", "spiffe://td/ns/a/sa/b", "é", "中文", "😀", "\u0085", "\u00a0", "\u2028", "\ufeff", "\u007f", "\u0001", "\ud800", "\udc00", "x".repeat(100),
  "long words ".repeat(12),
);
const anyString = fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.string({ unit: "binary", maxLength: 8 }));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("array"), tie("object")),
  leaf: fc.oneof(anyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(anyString, tie("value"), { maxKeys: 4 }),
}));

const simpleString = fc.stringMatching(/^[a-z][a-z0-9./-]{0,15}$/);
const { value: simpleValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("array"), tie("object")),
  leaf: fc.oneof(simpleString, fc.integer(), fc.boolean(), fc.constant(null)),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(simpleString, tie("value"), { maxKeys: 5 }),
}));

describe("parseYamlDocument properties", () => {
  it("reads js-yaml's and the yaml library's dumps of any value as js-yaml does, or gives up", () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        expectEqualOrGiveUp(jsyaml.dump(v));
        expectEqualOrGiveUp(stringify(v));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it("does not give up on dumps of plain collections of simple scalars", () => {
    fc.assert(
      fc.property(simpleValue, (v) => {
        for (const text of [jsyaml.dump(v), stringify(v)]) {
          expect(parseYamlDocument(text), text).toBeDefined();
          expect(expectEqualOrGiveUp(text)).toBe(true);
        }
      }),
      { numRuns: 1500, seed: 8 },
    );
  });

  // Random "line soup": block structure with random indentation, keys, values and comments,
  // most of it invalid or outside the subset. Whatever is accepted must equal js-yaml.
  const keys = ["a", "b", "name", "key with space", "1", "0x1", "~", "true", "__proto__", "<<", "'a'", '"a"', '"b\\n"', "a:b", "a#b", "-a", "[a]", "*a", "&a", "!a", "%a", ".inf", "a ", "k\t"];
  const values = [
    "", "x", "a b", "1", "-1", "012", "0x1F", "1e3", ".5", "-.inf", "~", "null", "TRUE", "yes", "10.0.0.1", "a # c", "a#b", "a: b", "a:b", "-", "- x", "-x", "? x",
    ":x", "|", "|-", "|+", "|2", ">", ">-", "|0", "[a, b]", "[]", "{}", "{a: 1, b: x}", "{a}", "[a, [b]]", "[a: 1]", "'q'", "'it''s'", "'a'#c", '"d"', '"\\t\\u00e9"',
    '"\\q"', '"a', "'a", "&x a", "*x", "!t a", "%x", "@x", "a\tb", "é", "\u0001", "x  ", "http://x:80/a", "---", "#c",
  ];
  const line = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 11 }), fc.constantFrom(...keys), fc.constantFrom(...values)).map(([indent, shape, k, v]) => {
    const sp = " ".repeat(indent);
    switch (shape) {
      case 0:
      case 1:
      case 2:
        return `${sp}${k}: ${v}`;
      case 3:
        return `${sp}${k}:`;
      case 4:
      case 5:
        return `${sp}- ${v}`;
      case 6:
        return `${sp}- ${k}: ${v}`;
      case 7:
        return `${sp}-`;
      case 8:
        return `${sp}# ${v}`;
      case 9:
        return "";
      case 10:
        return `${sp}${v}`;
      default:
        return `${sp}- - ${v}`;
    }
  });

  it("reads random block structure as js-yaml does, or gives up", () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom("\n", "", "\n\n"), (lines, tail) => {
        if (expectEqualOrGiveUp(lines.join("\n") + tail)) acceptedCount++;
      }),
      { numRuns: 5000, seed: 9 },
    );
    expect(acceptedCount).toBeGreaterThan(250);
  });

  // Line soup close to the native line paths: simple keys, plain values with `:`, `#` and
  // spaces in every place, quoted values, blank and comment lines, column-0 markers.
  const simpleKeys = ["a", "b", "name", "n", "true", "True", "Null", "_x", "a.b/c-d", "a#b", "a b", "a:b", "-a"];
  const simpleValues = [
    "x", "a b", "a  b ", "1", "-1", "1.5", "0x1", "~", "null", "yes", "a:b", "a: b", "a :b", "a:", "a::b", ":a", "a#b", "a #b", "a#", "a #", "#b",
    "'q'", "'q' ", "''", "'a''b'", '"d"', '"d" ', '""', '"a\\"b"', "'a'b", '"\t"', "é", "a\tb", "x ", "\\", "$x", "(x)", "<x", "=x", "^x", "[a]", "{}", "|",
  ];
  const keyedLine = fc
    .tuple(fc.constantFrom(0, 0, 2, 2, 4, 1, 3), fc.integer({ min: 0, max: 8 }), fc.constantFrom(...simpleKeys), fc.constantFrom(...simpleValues))
    .map(([indent, shape, k, v]) => {
      const sp = " ".repeat(indent);
      switch (shape) {
        case 0:
        case 1:
        case 2:
          return `${sp}${k}: ${v}`;
        case 3:
          return `${sp}${k}:`;
        case 4:
        case 5:
          return `${sp}- ${v}`;
        case 6:
          return `${sp}- ${k}: ${v}`;
        case 7:
          return `${sp}-   ${k}: ${v}`;
        default:
          return `${sp}${k}:   ${v}   `;
      }
    });
  const otherLine = fc.constantFrom("", "  ", "# c", "  # c", "---", "--x: 1", "-x: 1", "...", "..x: 1", "- ", "-", "%x");
  const simpleLine = fc.oneof({ arbitrary: keyedLine, weight: 8 }, { arbitrary: otherLine, weight: 1 });

  it("reads random simple block lines as js-yaml does, or gives up", () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(fc.array(simpleLine, { minLength: 1, maxLength: 10 }), fc.constantFrom("\n", "", "\n\n"), (lines, tail) => {
        if (expectEqualOrGiveUp(lines.join("\n") + tail)) acceptedCount++;
      }),
      { numRuns: 6000, seed: 12 },
    );
    expect(acceptedCount).toBeGreaterThan(500);
  });

  it("reads random block scalars as js-yaml does, or gives up", () => {
    let acceptedCount = 0;
    const header = fc.constantFrom("|", ">", "|-", "|+", ">-", ">+", "|1", "|2", ">2", "|2-", "|-2", "| # c", "|#c", "|x", "|0");
    const context = fc.constantFrom("k: ", "- ", "a:\n  k: ", "- k: ", "a:\n  - ", "- - ");
    const content = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom("", "", "text", "a b", "  x", "\tt", "# c", "- y", "k: v", "x ", "é")).map(([n, t]) => " ".repeat(n) + t);
    const after = fc.constantFrom("", "", "next: 1", "- z", "  more: 2", "# end");
    fc.assert(
      fc.property(context, header, fc.array(content, { maxLength: 6 }), after, fc.constantFrom("\n", ""), (ctx, h, body, a, tail) => {
        const text = `${ctx}${h}\n${body.join("\n")}${a ? `\n${a}` : ""}${tail}`;
        if (expectEqualOrGiveUp(text)) acceptedCount++;
      }),
      { numRuns: 5000, seed: 10 },
    );
    expect(acceptedCount).toBeGreaterThan(500);
  });
});

describe("parseYamlStream properties", () => {
  it("splits random streams like js-yaml, with exact positions", () => {
    const piece = fc.constantFrom(
      "a: 1", "b:\n  - x\n  - y", "# c", "", "  ", "---", "---", "--- ", "---\t", "---x: 1", "- a", "k: |\n  t\n", "k: |+\n  t\n\n", 'x: "q"', "  # indented",
      "k: [a]", "bad: - x", "k: &a 1", "c:\n- d", "a: b\r", "\ufeffa: 1", "...x", "--- # c", "...", "%TAG ! x",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.constantFrom("", "\n", "\n\n"), (pieces, tail) => {
        checkStream(pieces.join("\n") + tail, "stream");
      }),
      { numRuns: 3000, seed: 11 },
    );
  });
});

describe("the compiled reader (wasm/yaml-block.ts, built by npm run build)", () => {
  /** parseYamlStream's JavaScript alone. */
  function jsStream(text: string): FastDocument[] | undefined {
    useCompiledYaml(false);
    try {
      return parseYamlStream(text);
    } finally {
      useCompiledYaml(true);
    }
  }

  /** When the compiled reader reads a text, its documents are exactly the JavaScript's, all accepted. Returns whether it read it. */
  function sameAsJs(text: string): boolean {
    const compiled = parseYamlStreamCompiled(text);
    if (compiled === undefined) return false;
    const js = jsStream(text);
    expect(compiled, JSON.stringify(text)).toStrictEqual(js);
    expect(compiled.every((d) => d.ok && !d.empty)).toBe(true);
    return true;
  }

  it("is built and loads (npm run build writes dist/wasm/yaml-block.wasm)", () => {
    expect(compiledYamlAvailable()).toBe(true);
  });

  it("reads every file meshfed writes for the example federation as the JavaScript does", () => {
    const compiled = compileFederation(parseFederation(exampleText).federation!).compiled!;
    const texts = [["stream", renderYamlStream(compiled)], ...layoutFiles(compiled)].filter(([name]) => name === "stream" || name!.endsWith(".yaml"));
    expect(texts.length).toBeGreaterThan(5);
    for (const [name, text] of texts) expect(sameAsJs(text!), name).toBe(true);
  });

  it("reads most of the repository's YAML (hand-written scenarios, flow style included) as the JavaScript does", () => {
    const files = execFileSync("git", ["ls-files", "*.yaml", "*.yml"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean);
    let read = 0;
    for (const file of files) if (sameAsJs(readFileSync(join(repoRoot, file), "utf8"))) read++;
    expect(read).toBeGreaterThan(files.length / 2);
  });

  it.each([
    ["a: 1\nb: [x]\nc: {}\nd: [ ]\ne: {k: v, l: 2, m: , n: ~}\nf: [1, 12g, ~, true, 'q', \"r\", a b]\n", true],
    ["a: [x, [y]]\n", false],
    ["a: {k}\n", false],
    ["a: [k: 1]\n", false],
    ['a: {"k": 1}\n', false],
    ["a: {k: 1, k: 2}\n", false],
    ["a: {__proto__: 1}\n", false],
    ["a: [x\n", false],
    ["a: [x] y\n", false],
    ["[a]: b\n", false],
    ["a: |\n  x\n", false],
    ["a: 'it''s'\n", false],
    ['a: "x\\ty"\n', false],
    ["a: 1.5\n", false],
    ["a: 0x1F\n", false],
    ["a: 007\n", false],
    ["a: -1\n", false],
    ["a: 1234567890123456\n", false],
    ["True: x\n", false],
    ["__proto__: x\n", false],
    ["a: 1\na: 2\n", false],
    ["a:\n  b\n", false],
    ["- \n- x\n", false],
    ["a: 1\n---\n", false],
    ["--- x\na: 1\n", false],
    ["a: 1\n...\n", false],
    ["%YAML 1.2\n---\na: 1\n", false],
    ["a: &x 1\n", false],
    ["a: b: c\n", false],
    ["a:\tb\n", false],
    ["a: é\n", false],
    ["a: x\ty\n", false],
    ["a: '\tq'\n", false],
    ["a: b\r\n", false],
    ["# c\r\na: 1\n", false],
    ["# c\0\na: 1\n", false],
    ["a: \u007f\n", false],
    ["just a scalar\n", false],
    ["a: 1\nb: 10.0.0.1\nc: ~\nd: null\ne: NULL\nf: True\ng: tRue\nh: test\ni: '#x'\nj: \"q\"\nk: a#b\nl: a # c\nm: http://x:80/y\nn: 0\n", true],
    ["---\n# c\na:\n  - x\n  - y: 1\n    z: [2]\n", true],
    ["---\n# c\na:\n  - x\n  - y: 1\n    z: 2\n---\nb:\n- - 1\n  - 2\n---   \nc: d\n", true],
    ["a:\n  b:\n    c: 1\n  d: 2\ne: 3", true],
  ])("%j: read %s, and as the JavaScript when read", (text, expected) => {
    expect(sameAsJs(text)).toBe(expected);
  });

  it("gives up, and the JavaScript reads the file, when its room runs out", () => {
    // JSON three times as long as the YAML; a document per nine bytes; more keys in one mapping than it keeps.
    const nulls = "- a:\n".repeat(3000);
    const tiny = "a: 1\n---\n".repeat(300);
    const wide = Array.from({ length: 17000 }, (_, i) => `k${i}: 1\n`).join("");
    for (const text of [nulls, tiny, wide]) {
      expect(parseYamlStreamCompiled(text)).toBeUndefined();
      expect(parseYamlStream(text)).toStrictEqual(jsStream(text));
      expect(parseYamlStream(text)!.length).toBeGreaterThan(0);
    }
    // Below those limits it reads them.
    expect(sameAsJs(nulls.slice(0, 60))).toBe(true);
    expect(sameAsJs(tiny.slice(0, 85))).toBe(true);
    expect(sameAsJs(wide.split("\n").slice(0, 16000).join("\n"))).toBe(true);
  });

  it("reads single documents as the JavaScript does (which gives up on any `---` line)", () => {
    const single = (text: string) => {
      const compiled = parseYamlDocument(text);
      useCompiledYaml(false);
      try {
        expect(compiled, JSON.stringify(text)).toStrictEqual(parseYamlDocument(text));
      } finally {
        useCompiledYaml(true);
      }
      return compiled;
    };
    expect(single("a: 1\nb:\n- x\n")).toStrictEqual({ value: { a: 1, b: ["x"] } });
    expect(single("---\na: 1\n")).toBeUndefined();
    expect(single("a: 1\n---\nb: 2\n")).toBeUndefined();
    expect(single("# only a comment\n")).toStrictEqual({ value: null });
  });

  it("reads random block streams exactly as the JavaScript does, or gives up", () => {
    const key = fc.constantFrom("a", "b", "name", "app.kubernetes.io/name", "x_1", "null", "True", "__proto__", "a b", "-k", "k:");
    const scalar = fc.constantFrom(
      "1", "0", "007", "12", "123456789012345", "1234567890123456", "1.5", "1.2.3", "10.0.0.1", "1e3", "0x1F", "-1", "+2", ".5", "-", "-a", "+x", ".hidden", "~", "~x",
      "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "false", "False", "FALSE", "fals", "none", "test", "tcp-80", "x", "a b", "a  b", "a#b", "a #c", "a: b", "a:b",
      "http://x:80/y", "'q'", "'it''s'", "'a\"b'", '"d"', '"a\\\\b"', '"e\\n"', "'#'", "[a]", "{a: 1}", "|", ">", "&a x", "*a", "!t x", "@x", "`x", "%x", "?", "? x", ": x", "",
      "{}", "[]", "[ ]", "[a, b]", "[a,b]", "[a, ]", "[, a]", "{k: v}", "{k: v, l: 1}", "{k: }", "{k}", "{k: 1, k: 2}", "[a: 1]", '{"k": 1}', "[a, [b]]", "[1, 007, ~, true, 1.5]",
      "[a #c]", "[a] # c", "[a] b", "{a: [b]}", "[-a, -, ?b]", "[:a]", "{a:b}", "{a: b:c}",
    );
    const line = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 6 }), key, scalar).map(([i, k, v]) => `${" ".repeat(i)}${k}:${v === "" ? "" : ` ${v}`}`),
      fc.tuple(fc.integer({ min: 0, max: 6 }), scalar).map(([i, v]) => `${" ".repeat(i)}- ${v}`),
      fc.tuple(fc.integer({ min: 0, max: 6 }), key, scalar).map(([i, k, v]) => `${" ".repeat(i)}- ${k}: ${v}`),
      fc.tuple(fc.integer({ min: 0, max: 6 }), key).map(([i, k]) => `${" ".repeat(i)}${k}:`),
      fc.constantFrom("---", "--- ", "--- x", "...", "", "  ", "# c", "  # c", "%YAML 1.2", "- - x", "-", "a: b # c", "\tx: 1", "x:  y  "),
    );
    let read = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.boolean(), (lines, finalNewline) => {
        if (sameAsJs(lines.join("\n") + (finalNewline ? "\n" : ""))) read++;
      }),
      { numRuns: 30000 },
    );
    expect(read).toBeGreaterThan(1000);
  });
});
