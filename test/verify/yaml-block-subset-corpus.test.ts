import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without type declarations
import { generateFederation } from "../../bench/generate-federation.js";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { readBlockSubset } from "../../src/verify/yaml/block-subset.js";
import { readYamlStream, readYamlStreamWith } from "../../src/verify/yaml/read-yaml.js";
import { repoRoot } from "../helpers/fixtures.js";
import { difference, fastMismatch } from "./yaml-same-value.js";

/**
 * The fast reader on real YAML: every YAML file of the repository's tests, corpus scenarios,
 * declared scenarios and examples, and a scenario generated as bench/verify.js generates them.
 * readYamlStream must give what js-yaml alone gives, and each document the fast reader reads
 * must have js-yaml's value.
 */
function* yamlFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* yamlFiles(path);
    else if (/\.ya?ml$/.test(e.name)) yield path;
  }
}

/** Checks one file; returns how many of its documents the fast reader read, of how many. */
function check(name: string, text: string): { fast: number; documents: number } {
  const stream = readYamlStream(text);
  const slow = readYamlStreamWith(text, () => undefined);
  expect(stream.problems, name).toEqual(slow.problems);
  expect(stream.documents.length, name).toBe(slow.documents.length);
  let fast = 0;
  stream.documents.forEach((d, i) => {
    const s = slow.documents[i]!;
    expect([d.line, d.text, d.textLine], name).toEqual([s.line, s.text, s.textLine]);
    expect(difference(d.value, s.value), `${name}:${d.line}`).toBeUndefined();
    const value = readBlockSubset(d.text);
    expect(fastMismatch(d.text, value), `${name}:${d.line}`).toBeUndefined();
    if (value !== undefined) fast++;
  });
  return { fast, documents: stream.documents.length };
}

describe("the fast reader on the repository's YAML", () => {
  for (const dir of ["test", "conformance/scenarios", "conformance/declared", "examples"]) {
    it(`${dir}/: same values, lines and problems as js-yaml alone`, () => {
      let files = 0;
      for (const path of yamlFiles(join(repoRoot, dir))) {
        check(relative(repoRoot, path), readFileSync(path, "utf8"));
        files++;
      }
      expect(files).toBeGreaterThan(0);
    });
  }

  it("a generated bench scenario: same values, and nearly every document read by the fast reader", () => {
    const text: string = generateFederation({ meshes: 3, exports: 40, consumers: 2, seed: 7, name: "yaml-fast" });
    const parsed = parseFederation(text, "bench.yaml");
    const compiled = compileFederation(parsed.federation!).compiled!;
    let fast = 0;
    let documents = 0;
    for (const [path, content] of buildScenario(parsed.federation!, compiled)) {
      if (path === "scenario.yaml") continue;
      const counts = check(path, content);
      fast += counts.fast;
      documents += counts.documents;
    }
    expect(documents).toBeGreaterThan(200);
    // If this drops, the fast path has silently stopped being used for what verify reads.
    expect(fast / documents).toBeGreaterThanOrEqual(0.95);
  });
});
