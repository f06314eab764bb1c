import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allCodes, codeInfo } from "../../src/diagnostics/codes.js";
import { diagnosticsMarkdown } from "../../src/diagnostics/markdown.js";
import { repoRoot } from "../helpers/fixtures.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("diagnostic code registry", () => {
  it("has unique codes and names, in the right ranges, each with a title and explanation", () => {
    const codes = allCodes();
    expect(new Set(codes.map((c) => c.code)).size).toBe(codes.length);
    expect(new Set(codes.map((c) => c.name)).size).toBe(codes.length);
    for (const c of codes) {
      expect(c.code).toMatch(/^MF[1-5]\d{3}$/);
      expect(c.name).toMatch(/^[a-z0-9-]+$/);
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.explanation.length).toBeGreaterThan(20);
    }
  });

  it("registers every code the source uses", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(repoRoot, "src"))) {
      if (file.endsWith("codes.ts")) continue;
      for (const m of readFileSync(file, "utf8").matchAll(/"(MF\d{4})"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    for (const code of used) expect(() => codeInfo(code)).not.toThrow();
  });

  it("docs/diagnostics.md is generated from the registry (run `npm run docs:diagnostics`)", () => {
    const onDisk = readFileSync(join(repoRoot, "docs/diagnostics.md"), "utf8");
    expect(onDisk).toBe(diagnosticsMarkdown());
  });
});
