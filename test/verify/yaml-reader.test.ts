import { describe, expect, it } from "vitest";
import { parseMeshFiles } from "../../src/verify/parse-scenario.js";
import { plainScalarValue } from "../../src/verify/yaml/plain-scalar.js";
import { readYamlStream } from "../../src/verify/yaml/read-yaml.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

// Values as go-yaml v2 resolves plain scalars (sigs.k8s.io/yaml, what kubectl and the API
// server use); test/verify/yaml-kubernetes.oracle.test.ts checks them against that code itself.
describe("plain scalars have Kubernetes' values", () => {
  it.each([
    ["05432", 2842],
    ["0x1538", 5432],
    ["+0x1538", 5432],
    ["-0b101", -5],
    ["0o17", 15],
    ["1_000", 1000],
    ["09", 9],
    ["5432", 5432],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1e3", 1000],
    ["yes", true],
    ["On", true],
    ["y", true],
    ["n", false],
    ["OFF", false],
    ["~", null],
    ["Null", null],
    ["1e400", "1e400"],
    ["0x", "0x"],
    ["1:20", "1:20"],
    ["2024-01-01", "2024-01-01"],
    ["tRue", "tRue"],
    ["-", "-"],
    ["postgres", "postgres"],
  ] as const)("%s → %j", (text, value) => {
    expect(plainScalarValue(text)).toBe(value);
  });
});

describe("readYamlStream", () => {
  const clean = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 05432\n";

  it("reads a BOM and CRLF copy to the same values and lines as the clean file", () => {
    const dirty = `\ufeff${clean.replace(/\n/g, "\r\n")}`;
    const a = readYamlStream(clean);
    const b = readYamlStream(dirty);
    expect(b.documents.map((d) => [d.value, d.line])).toEqual(a.documents.map((d) => [d.value, d.line]));
    expect((a.documents[0]!.value as any).spec.ports[0].port).toBe(2842);
  });

  it("splits on lines that are --- alone and gives each document's first content line", () => {
    const r = readYamlStream("# head\na: 1\n---\n\n# c\nb: 2\n---   \n---\nc: 3\n");
    expect(r.problems).toEqual([]);
    expect(r.documents.map((d) => [d.value, d.line])).toEqual([
      [{ a: 1 }, 2],
      [{ b: 2 }, 6],
      [{ c: 3 }, 9],
    ]);
  });

  it.each([
    ["a marker line with a comment", "a: 1\n--- # x\nb: 2\n", 2],
    ["an end marker", "a: 1\n...\n", 2],
    ["a directive", "%YAML 1.1\n---\na: 1\n", 1],
    ["a duplicate key", "a: 1\nb: 2\na: 3\n", 3],
    ["a local tag", "a: !foo x\n", 1],
    ["an infinite number", "a: 1\nb: .inf\n", 1],
    ["a syntax error", "a:\n  - 1\n b: 2\n", 3],
    ["a marker after a line ending in a CR alone", "a: 1\rb: 2\r---\rc: 3\r", 3],
  ])("refuses %s with its line", (_name, text, line) => {
    const r = readYamlStream(text);
    expect(r.documents).toEqual([]);
    expect(r.problems.map((p) => p.line)).toEqual([line]);
  });

  it("refuses alias expansion that go-yaml calls excessive, without expanding it", () => {
    const levels = "abcdefghij".split("");
    const text = levels
      .map(
        (l, i) =>
          `${l}: &${l} [${Array(10)
            .fill(i === 0 ? "x" : `*${levels[i - 1]}`)
            .join(", ")}]`,
      )
      .join("\n");
    const started = Date.now();
    expect(readYamlStream(text).problems.map((p) => p.message)).toEqual(["document contains excessive aliasing"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("parseMeshFiles", () => {
  it("flattens a List (kubectl get -o yaml) with each item's own line", () => {
    const text =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: b\n";
    const diagnostics: Diagnostic[] = [];
    const rs = parseMeshFiles([{ file: "dump.yaml", text }], diagnostics);
    expect(diagnostics).toEqual([]);
    expect(rs.map((r) => [r.name, r.line])).toEqual([
      ["a", 4],
      ["b", 8],
    ]);
  });

  it("reports YAML problems as MF3102 with the file and line", () => {
    const diagnostics: Diagnostic[] = [];
    parseMeshFiles([{ file: "m.yaml", text: "a: 1\na: 2\n" }], diagnostics);
    expect(diagnostics.map((d) => [d.code, d.position?.file, d.position?.line])).toEqual([["MF3102", "m.yaml", 2]]);
  });
});

describe("metadata Kubernetes refuses", () => {
  it.each([
    ["a YAML 1.1 boolean label", "  labels: {sidecar.istio.io/inject: yes}\n", /metadata\.labels\.sidecar\.istio\.io\/inject is the boolean true/],
    ["a number annotation", "  annotations: {prometheus.io/port: 15020}\n", /metadata\.annotations\.prometheus\.io\/port is the number 15020/],
    ["labels that are a list", "  labels: [a]\n", /metadata\.labels is not a mapping/],
  ])("%s is invalid input (MF3103), never judged", (_name, extra, message) => {
    const diagnostics: Diagnostic[] = [];
    const rs = parseMeshFiles([{ file: "p.yaml", text: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${extra}` }], diagnostics);
    expect(rs).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual(["MF3103"]);
    expect(diagnostics[0]!.message).toMatch(message);
  });
});

describe("forms js-yaml reads differently from Kubernetes are refused where they are", () => {
  it.each([
    ["an item after an empty, more-indented one", "kind: Pod\nx:\n  - a:\n    -\n  - b\n", 5, 3, /item with no value \(line 4\)/],
    ["a null key", "kind: Pod\nspec:\n  ~: 1\n", 3, 3, /key "~" is null/],
    ["a float key in a flow mapping", "kind: Pod\nspec: {a: 1, 1e6: b}\n", 2, 14, /key "1e6" is a number/],
    ["a key past 2^53", "kind: Pod\n9007199254740993: a\n", 2, 1, /is a number/],
    ["a collection key", "kind: Pod\n? [a]\n: b\n", 2, 3, /collection/],
    ["the escape \\/", 'kind: Pod\nurl: "http:\\/\\/x"\n', 2, 12, /escape \\\/ .*unknown escape character/],
    ["a surrogate escape", 'kind: Pod\nx: "\\ud83d\\ude00"\n', 2, 5, /escape \\ud83d/],
    ["a line separator", "kind: Pod\nx: a\u2028b\n", 2, 5, /LINE SEPARATOR \(U\+2028\) is a line break to Kubernetes/],
    ["a byte order mark starting a line", "kind: Pod\n\ufeffx: 1\n", 2, 1, /byte order mark/],
    ["a key before a merge that overrides it", "kind: Pod\nb: &b {a: 1}\nm:\n  a: 2\n  <<: *b\n", 5, 3, /merge key \(<<\) gives the key "a"/],
    ["two merges of one key", "kind: Pod\nb: &b {a: 1}\nc: &c {a: 2}\nm:\n  <<: *b\n  <<: *c\n", 6, 3, /merge key/],
    ["a merge of a list behind an alias", "kind: Pod\nb: &b [{a: 1}]\nm:\n  <<: *b\n", 4, 3, /not a mapping/],
    ["a ? in a plain scalar of a flow collection", "kind: Pod\nargs: [--url=http://x?y=1]\n", 2, 8, /holds a "\?"/],
    ["a tab after a sequence dash", "kind: Pod\nx:\n- \t1\n", 3, 3, /a tab where Kubernetes' YAML reader refuses one/],
    ["a comment line starting with a tab", "kind: Pod\nx: 1\n\t# note\n", 3, 1, /a tab/],
    ["a tab among a block scalar's indentation", "kind: Pod\nx: |\n \ta\n", 3, 2, /a tab/],
    ["an anchor name go-yaml refuses", "kind: Pod\nx: &a.b 1\n", 2, 4, /anchor "&a\." has a name/],
    ["a merge of the mapping itself", "kind: Pod\nx: &x\n  b: 1\n  <<: *x\n", 4, 3, /merges the mapping it is in/],
    ["!!int on a float", "kind: Pod\nx: !!int 1.5\n", 2, 13, /cannot resolve/],
    ["an empty value tagged !", "kind: Pod\nx: !\n", 2, 5, /empty value tagged !/],
    ["a mapping on its key's line", "kind: Pod\nx: &a b: c\n", 2, 4, /mapping starts on the line of the key/],
    ["text after a multi-line quoted string", "kind: Pod\nx: 'a\n'b: c\n", 3, 2, /quoted string or flow collection that ends on a later line/],
    ["an escaped line break before an empty line", 'kind: Pod\nx: "a\\\n\n  b"\n', 2, 6, /escape \\ at a line's end/],
    ["a plain key of 1,025 characters", `kind: Pod\n${"k".repeat(1025)}: a\n`, 2, 1, /at most 1024 before the colon/],
    ["a plain key of 1,025 characters in a block sequence", `kind: Pod\nx:\n- ${"k".repeat(1025)}: a\n`, 3, 3, /at most 1024 before the colon/],
  ])("%s", (_name, text, line, column, message) => {
    const { documents, problems } = readYamlStream(`a: 1\n---\n${text}`);
    expect(documents.map((d) => d.value)).toEqual([{ a: 1 }]);
    expect(problems.map((p) => [p.line - 2, p.column])).toEqual([[line, column]]);
    expect(problems[0]!.message).toMatch(message);
  });

  it.each([
    ["items of one sequence after an empty one", "a:\n  -\n  - c\n", { a: [null, "c"] }],
    ["an empty item before a key", "a:\n  -  # none\nb: 1\n", { a: [null], b: 1 }],
    ["integer keys in any base, quoted ~", "1_000: a\n0x10: b\n'~': c\n", { "1000": "a", "16": "b", "~": "c" }],
    ["merges that both readers apply alike", "b: &b {a: 1, c: 1}\nm:\n  <<: [*b, {a: 2, d: 2}]\n  c: 3\n", { b: { a: 1, c: 1 }, m: { a: 1, c: 3, d: 2 } }],
    ["escapes both readers read", 'x: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\t"\n', { x: "A\u00e9\u{1F600}\u0085\u00a0\u2028\u2029\t" }],
    ["a ? in a quoted scalar of a flow collection", "args: ['--url=http://x?y=1']\n", { args: ["--url=http://x?y=1"] }],
    [
      "tabs in a block scalar past its indentation, after a key's colon and before a comment",
      "Makefile: |\n  all:\n  \techo hi\nb: c\t# note\nd:\te\n",
      { Makefile: "all:\n\techo hi\n", b: "c", d: "e" },
    ],
  ])("reads %s as Kubernetes does", (_name, text, value) => {
    const { documents, problems } = readYamlStream(text);
    expect(problems).toEqual([]);
    expect(documents.map((d) => d.value)).toEqual([value]);
  });
});
