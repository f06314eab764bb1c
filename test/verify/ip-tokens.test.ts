import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { indexMesh, ipv4TokensWithPrefix } from "../../src/verify/mesh-index.js";
import { parseScenario } from "../../src/verify/parse-scenario.js";
import { baseMeshes } from "./helpers.js";

/** The definition ipv4TokensWithPrefix implements: one regular expression tried at every whitespace character, its matches kept by prefix. */
const definition = /(?:^|\s)["',[\]]*(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})["',[\]]*(?=\s|$)/g;

function byDefinition(text: string, prefix = ""): string[] {
  return [...new Set([...text.matchAll(definition)].map((m) => m[1]!).filter((t) => t.startsWith(prefix)))].sort();
}

/** The tokens of every prefix a token can start with (a digit), merged. */
function tokens(text: string, prefixes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]): string[] {
  const out = new Set<string>();
  for (const p of prefixes) ipv4TokensWithPrefix(text, p, out);
  return [...out].sort();
}

describe("ipv4TokensWithPrefix (addresses a mesh's resources already use)", () => {
  it.each([
    ["address: 10.1.2.3", ["10.1.2.3"]],
    ["- '10.1.2.3'\n- \"10.1.2.4\",\n[10.1.2.5]", ["10.1.2.3", "10.1.2.4", "10.1.2.5"]],
    ["10.1.2.3 10.1.2.4", ["10.1.2.3", "10.1.2.4"]],
    ["a10.1.2.3 10.1.2.3.4 1234.1.2.3 10.1.2.3a 10.1.2.3/32", []],
    ["'1.1.1.1','2.2.2.2'", []],
    ["x:\u00a01.2.3.4\u3000", ["1.2.3.4"]],
    ["999.999.999.999", ["999.999.999.999"]],
  ])("%j", (text, expected) => {
    expect(tokens(text)).toEqual(expected);
    expect(byDefinition(text)).toEqual(expected);
  });

  it("finds what the definition finds, on random text of digits, dots, quotes and spaces", () => {
    const chars = ["0", "1", "2", "9", "12", "255", ".", ".", " ", "\n", "\t", "\u00a0", "'", '"', ",", "[", "]", "a", ":", "/", "-"];
    const ip = fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 3, maxLength: 5 }).map((xs) => xs.join("."));
    let found = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...chars), ip), { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        const got = tokens(text);
        found += got.length;
        expect(got).toEqual(byDefinition(text));
      }),
      { numRuns: 20000 },
    );
    expect(found).toBeGreaterThan(300);
  });

  it.each([
    ["address: 10.100.2.3 10.1.2.3 10.200.2.3", "10.100.", ["10.100.2.3"]],
    ["110.100.2.3 x10.100.2.3 '10.100.2.4' 10.100.2.5.6 10.100.2 10.100.22.333", "10.100.", ["10.100.2.4", "10.100.22.333"]],
    ["10.100.10.100.1.2 [10.100.1.2]", "10.100.", ["10.100.1.2"]],
  ])("%j, prefix %j", (text, prefix, expected) => {
    expect(tokens(text, [prefix])).toEqual(expected);
    expect(byDefinition(text, prefix)).toEqual(expected);
  });

  it("finds what the definition finds with the allocator's prefixes, on random text", () => {
    const chars = ["0", "1", "10", "100", "200", "2", ".", ".", " ", "\n", "\u00a0", "'", '"', ",", "[", "]", "a", "/"];
    const prefixes = ["10.100.", "10.200.", "10.1", "1"];
    const ip = fc
      .tuple(fc.constantFrom("10.100.", "10.200.", "110.100.", "10."), fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 1, maxLength: 3 }))
      .map(([head, xs]) => head + xs.join("."));
    let found = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...chars), ip), { maxLength: 40 }), fc.constantFrom(...prefixes), (parts, prefix) => {
        const text = parts.join("");
        const got = tokens(text, [prefix]);
        found += got.length;
        expect(got).toEqual(byDefinition(text, prefix));
      }),
      { numRuns: 20000 },
    );
    expect(found).toBeGreaterThan(100);
  });
});

describe("address allocation (indexMesh)", () => {
  it("skips addresses any resource writes, at the end of one resource's text or inside another", () => {
    const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: db}\nspec: {}\n";
    const first = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: first\n  annotations:\n    x: 10.100.0.3";
    const second = "apiVersion: v1\nkind: Namespace\nmetadata: {name: second, annotations: {y: '10.100.0.4', z: 10.100.0.55}}\n";
    const text = `${pod}---\n${first}\n---\n${second}---\n${first.replace("first", "third").replace("0.3", "0.6")}`;
    const r = parseScenario({
      scenario: { file: "scenario.yaml", text: `${baseMeshes}probes: []\n` },
      meshFiles: new Map([["production", [{ file: "p.yaml", text }]]]),
    });
    const resources = r.scenario!.resources.get("production")!;
    expect(resources.map((x) => x.name)).toEqual(["a", "first", "second", "third"]);
    // The first addresses of mesh 0's pods are 10.100.0.3, .4, .5: the first two are written.
    expect(indexMesh(r.scenario!.meshes[1]!, 0, resources).workloads[0]!.ip).toBe("10.100.0.5");
  });
});
