import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeYaml } from "../../src/render/yaml-writer.js";
import { exampleText } from "../helpers/fixtures.js";

const tricky = fc.constantFrom(
  "",
  "5432",
  "0x1F",
  "1e3",
  ".5",
  "1.",
  "1_000",
  "2001-12-14",
  "1:20",
  "true",
  "yes",
  "on",
  "Off",
  "null",
  "~",
  "*",
  "*.local",
  "ns/*",
  "a: b",
  "a #b",
  "key:",
  "-x",
  "- x",
  "'q'",
  '"d"',
  "a\nb",
  "tab\there",
  " lead",
  "trail ",
  "10.20.0.10",
  "spiffe://td/ns/a/sa/b",
  "outbound_.5432_._.postgres.db.svc.cluster.local",
  "@type",
  "{x}",
  "[x]",
  "!tag",
  "&a",
  "%p",
  "é",
);
const key = fc.oneof(tricky, fc.string({ maxLength: 8 }));
const leaf = fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
}));

describe("writeYaml", () => {
  it("round-trips any plain value through YAML 1.2 and YAML 1.1 readers", () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = writeYaml(v);
        expect(parse(text)).toEqual(v);
        expect(parse(text, { version: "1.1" })).toEqual(v);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  // Same layout as the yaml library's stringify; the one difference is that "." is quoted,
  // because YAML 1.1 readers may take a lone "." for a float.
  it("writes meshfed's resources as the yaml library's stringify would, quoting a lone dot", () => {
    const compiled = compileFederation(parseFederation(exampleText).federation!).compiled!;
    for (const m of compiled.meshes) {
      for (const r of [...m.resources, m.install.istioOperator, m.install.istiodValues]) {
        expect(writeYaml(r)).toBe(stringify(r, { lineWidth: 0 }).replaceAll("- .\n", '- "."\n'));
      }
    }
  });

  it("keeps numeric strings strings", () => {
    expect(writeYaml({ notPorts: ["5432"], port: 5432 })).toBe('notPorts:\n  - "5432"\nport: 5432\n');
  });
});
