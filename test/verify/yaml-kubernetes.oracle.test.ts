import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compare, kubernetesRead, requireYamljson } from "./yaml-kubernetes-oracle.js";

/**
 * meshfed's YAML reader against Kubernetes' own code: conformance/cmd/yamljson splits each file
 * with apimachinery's YAML reader and converts each document with sigs.k8s.io/yaml, as kubectl
 * and the API server do. Where Kubernetes reads a document, meshfed reads the same value or
 * refuses the file; where Kubernetes refuses one, meshfed refuses too.
 */
requireYamljson();

const cases: Record<string, string> = {
  "YAML 1.1 integers": "a: 05432\nb: 0x1538\nc: +0x1538\nd: 1_000\ne: 09\nf: -0b101\ng: 0o17\nh: 0777\n",
  "booleans and nulls": "a: yes\nb: On\nc: n\nd: OFF\ne: ~\nf:\ng: Null\nh: TRUE\ni: tRue\n",
  floats: "a: .5\nb: +.5\nc: 1e3\nd: 1.\ng: 1e400\nh: 1.5e-3\ni: 6.02e+23\nj: -.5e+2\n",
  "infinity and NaN": "a: .inf\nb: -.Inf\nc: .NaN\n",
  "strings that look like numbers": "a: '05432'\nb: \"0x10\"\nc: 1:20\nd: 2024-01-01\ne: 0x\nf: 1_\nh: 1.2.3\ni: 0b2\n",
  "big integers": "a: 9223372036854775807\nb: 9223372036854775808\nc: -9223372036854775809\nd: 18446744073709551615\ne: 18446744073709551616\n",
  "CRLF line ends":
    "apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: a\r\nspec:\r\n  ports:\r\n  - port: 05432\r\n    name: |\r\n      x\r\n      y\r\n",
  "byte order mark": "\ufeffapiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
  "documents and separators": "a: 1\n---\n# only a comment\n---   \nb: 2\n---\n\n---\nc: [1, 2]\n",
  "anchors, aliases and merge keys": "base: &b {port: 5432, proto: TCP}\nx:\n  <<: *b\n  port: 15443\ny: *b\nz: [*b, *b]\n",
  "block scalars": "a: |\n  one\n  two\nb: >\n  one\n  two\n\nc: |-\n  x\nd: >+\n  y\n\n",
  "quoted escapes": "a: \"tab\\tnew\\nline \\u00e9 \\x41\"\nb: 'it''s'\nc: \"multi\n  line\"\n",
  "keys that resolve to other types": "1: a\nyes: c\n0x10: d\n",
  "flow collections": "a: {b: [1, 2, {c: d}], e: 'f'}\ng: [yes, no, 0x1F]\n",
  "duplicate keys": "a: 1\na: 2\n",
  "document marker with a comment": "a: 1\n--- # next\nb: 2\n",
  directive: "%YAML 1.1\n---\na: 1\n",
  "end marker": "a: 1\n...\n",
  "explicit standard tags": "a: !!str 5432\nb: !!int 5432\n",
  "local tag": "a: !foo bar\n",
  "syntax error": "a: [1, 2\nb: 3\n",
  "tab indentation": "a:\n\tb: 1\n",
  "anchor containing itself": "a: &x [1, *x]\n",
  // js-yaml puts an item after an empty, more-indented one into the inner sequence.
  "empty item before an outer item": "-\n name:\n  -\n- x\n",
  "empty item before a less-indented item": "a:\n  - b:\n    -\n  - c\n",
  "empty items of one sequence": "a:\n  -\n  - c\nd:\n  -  # note\ne: 1\nf:\n- -\n  - y\n- x\n",
  // Keys js-yaml names with JavaScript's String(): Go refuses null and collections, writes floats its own way.
  "null keys": "null: 1\na: 2\n",
  "float keys": "m: {1e6: a, 2: b}\n1.5: c\n",
  "collection keys": "? [a]\n: b\n",
  // go-yaml takes a key only when its colon is at most 1,024 characters after its start.
  "a key of 1,024 characters": `${"k".repeat(1024)}: a\nb: {${"q".repeat(1020)}: c}\n`,
  "a key of 1,025 characters": `${"k".repeat(1025)}: a\n`,
  "a quoted key of 1,025 characters": `"${"k".repeat(1023)}": a\n`,
  "integer keys in other bases": '1_000: a\n0o17: b\n"~": c\n',
  // Found by the structural fuzzer (yaml-structure.oracle.test.ts).
  "the escape \\/ in double quotes": 'a: "http:\\/\\/x"\n',
  "surrogate and out-of-range escapes": 'a: "\\ud83d\\ude00"\nb: "\\U00110000"\n',
  "escapes both readers read": 'a: "\\x41\\xe9\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\a\\e\\v\\ \\t\\\t"\n',
  "YAML 1.1 line breaks (NEL, U+2028, U+2029)": "a: x\u2028y\nb: 1\n",
  "a byte order mark starting a line": "a: 1\n\ufeffb: 2\n",
  "a key before a merge key": "b: &b {a: 1}\nm:\n  a: 2\n  <<: *b\n",
  "two merge keys in one mapping": "b: &b {a: 1}\nc: &c {a: 2}\nm:\n  <<: *b\n  <<: *c\n",
  "a merge of a list behind an alias": "l: &l [{a: 1}]\nm:\n  <<: *l\n",
  "merge keys both readers apply alike": "b: &b {a: 1, c: 1}\nc: &c {a: 2, d: 2}\nm:\n  <<: [*b, *c]\n  c: 3\n",
  "a ? in a plain scalar in a flow collection": "args: [--url=http://x?y=1]\n",
  "a separator after a CR line end": "a: 1\r---\rb: 2\r",
  "a tab after a dash": "a:\n- \tb\n",
  "a tab starting a comment line": "a: 1\n\t# note\nb: 2\n",
  "a tab in a block scalar's indentation": "a: |\n \tx\n",
  "tabs Kubernetes reads": "a:\tb\nc: d\t# note\ne: |\n  x\n  \ty\nf: g\n  \th\n",
  "a plain scalar in a flow collection starting with ':'": "a: [:x]\n",
  "a plain scalar in a flow collection before ':]'": "a: [b:]\n",
  "anchor names Kubernetes refuses": "a: &a.b 1\nb: *a.b\n",
  "an anchor running into a flow collection": "a: &x{b: 1}\n",
  "an anchor redefined inside its own node": "a: &x\n  b: &x\nc: *x\n",
  "an empty value with a local tag": "a: !x\nb: !\n",
  "an explicit merge key": "b: &b {a: 1}\nm:\n  ? <<\n  : *b\n",
  "a merge of the mapping itself": "a: &x\n  b: 1\n  <<: *x\n",
  "!!int on a float, a boolean or null": "a: !!int 1.5\nb: !!int yes\nc: !!int ~\n",
  "!!int on integers": 'a: !!int "5"\nb: !!int 0x10\nc: !!int 1_000\n',
  "a mapping on its key's line after an anchor": "a: &x b: c\n",
  "text after a multi-line quoted string": "a: 'x\n'b: c\n",
  "text after a multi-line flow collection": " a: {\n }b: c\n",
  "an escaped line break before an empty line": 'a: "x\\\n\n  y"\n',
  "a document that is a block scalar with an indentation indicator": "|2\n  x\n   y\n",
  "a null key after an anchor": "&a ~: b\n",
  "a collection key in a flow mapping": "{{a: 1}: b}\n",
  "a null key with no value in a flow mapping": "a: {b, null}\n",
  "excessive aliasing": `a: &a [${Array(10).fill('"lol"').join(",")}]\n${Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(",")}]`).join("\n")}\n`,
};

describe("the YAML reader reads what Kubernetes reads", () => {
  const names = Object.keys(cases);
  const kube = kubernetesRead(names.map((n) => cases[n]!));
  it.each(names.map((n, i) => [n, i] as const))("%s", (name, i) => {
    const result = compare(cases[name]!, kube[i]!);
    expect(["same", "refused"]).toContain(result);
  });

  it("reads every case it does not refuse to Kubernetes' values, and refuses only what is documented", () => {
    const refused = names.filter((n, i) => compare(cases[n]!, kube[i]!) === "refused").sort();
    // The forms readers disagree on, or Kubernetes itself refuses: meshfed refuses them with MF3102.
    expect(refused).toEqual(
      [
        "a key of 1,025 characters",
        "a quoted key of 1,025 characters",
        "anchor containing itself",
        "collection keys",
        "directive",
        "document marker with a comment",
        "duplicate keys",
        "empty item before a less-indented item",
        "empty item before an outer item",
        "end marker",
        "float keys",
        "excessive aliasing",
        "the escape \\/ in double quotes",
        "surrogate and out-of-range escapes",
        "YAML 1.1 line breaks (NEL, U+2028, U+2029)",
        "a byte order mark starting a line",
        "a key before a merge key",
        "two merge keys in one mapping",
        "a merge of a list behind an alias",
        "a ? in a plain scalar in a flow collection",
        "a separator after a CR line end",
        "a tab after a dash",
        "a tab starting a comment line",
        "a tab in a block scalar's indentation",
        "a plain scalar in a flow collection starting with ':'",
        "a plain scalar in a flow collection before ':]'",
        "anchor names Kubernetes refuses",
        "an anchor running into a flow collection",
        "an anchor redefined inside its own node",
        "an empty value with a local tag",
        "an explicit merge key",
        "a merge of the mapping itself",
        "!!int on a float, a boolean or null",
        "a mapping on its key's line after an anchor",
        "text after a multi-line quoted string",
        "text after a multi-line flow collection",
        "an escaped line break before an empty line",
        "a document that is a block scalar with an indentation indicator",
        "a null key after an anchor",
        "a collection key in a flow mapping",
        "a null key with no value in a flow mapping",
        "infinity and NaN",
        "local tag",
        "null keys",
        "syntax error",
        "tab indentation",
      ].sort(),
    );
  });

  it("gives plain scalars Kubernetes' values (random scalars)", () => {
    const alphabet = "0123456789+-_.xXoObBeE:aInfyY~N".split("");
    const scalar = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 8 })
      .map((cs) => cs.join("").trim())
      .filter((s) => s.length > 0);
    const samples = fc.sample(fc.array(scalar, { minLength: 5, maxLength: 5 }), { numRuns: 400, seed: 7 });
    const texts = samples.map((list) => `${list.map((s, i) => `k${i}: ${s}`).join("\n")}\n`);
    const kubeFiles = kubernetesRead(texts);
    const wrong = texts.map((t, i) => [t, compare(t, kubeFiles[i]!)] as const).filter(([, r]) => r !== "same" && r !== "refused");
    expect(wrong).toEqual([]);
    // The comparison must not pass by refusing: meshfed refuses only what Kubernetes refuses too.
    const refusedAlone = texts.filter((t, i) => compare(t, kubeFiles[i]!) === "refused" && !kubeFiles[i]!.docs.some((d) => d.error));
    expect(refusedAlone).toEqual([]);
    expect(texts.filter((t, i) => compare(t, kubeFiles[i]!) === "same").length).toBeGreaterThan(300);
  });
});
