import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4Tokens } from "../../src/verify/mesh-index.js";

/** The definition ipv4Tokens implements: one regular expression tried at every whitespace character. */
const definition = /(?:^|\s)["',[\]]*(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})["',[\]]*(?=\s|$)/g;

function byDefinition(text: string): string[] {
  return [...new Set([...text.matchAll(definition)].map((m) => m[1]!))].sort();
}

function tokens(text: string): string[] {
  const out = new Set<string>();
  ipv4Tokens(text, out);
  return [...out].sort();
}

describe("ipv4Tokens (addresses a mesh's resources already use)", () => {
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
});
