import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allCodes, codeInfo, untemplatedCodes } from "../../src/diagnostics/codes.js";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";
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

  it("gives every code a message and fix template, but for the codes allowed to lack one", () => {
    // Codes that still take a hand-written message and fix. A new code comes with its
    // templates; a merge that adds old-style codes fails here and names them. The MF4xxx codes
    // are not built as Diagnostics: doctor prints each as a check (its assertion, ✓ ‼ ×, a hint)
    // and apply as a step's failure with the API server's own words.
    const allowedWithoutTemplate: string[] = allCodes()
      .map((c) => c.code)
      .filter((c) => c.startsWith("MF4"));
    expect(allowedWithoutTemplate).toHaveLength(17);
    expect(untemplatedCodes()).toEqual(allowedWithoutTemplate);
  });

  it("builds a diagnostic from the templates, with the registry's severity unless overridden", () => {
    const where = { path: "spec.exports[0].ports[1].number", value: 5432 };
    const d = diagnostic("MF1020", { port: 5432, exportRef: "production/db/postgres" }, where);
    expect(d).toEqual({
      code: "MF1020",
      severity: "error",
      message: 'port 5432 is listed twice in export "production/db/postgres"',
      fix: "remove the second entry",
      ...where,
    });
    expect(diagnostic("MF1023", { mesh: "a", federation: "f" }, { severity: "warning" }).severity).toBe("warning");
    // The type checker (`npm test` runs tsc over the tests) refuses these two calls.
    // @ts-expect-error a templated code takes no hand-written message
    expect(diagnostic("MF1020", { message: "m", fix: "f" }).message).not.toBe("m");
    // @ts-expect-error a missing argument
    expect(diagnostic("MF1020", { port: 1 }).message).toContain("undefined");
  });

  it("still builds a diagnostic from a hand-written message for a code without templates", () => {
    // Verdict reasons (MF30xx) have no templates; a code merged before its templates takes this form too.
    expect(diagnostic("MF3001", { message: "m", fix: "f", path: "p", severity: "info" })).toEqual({
      code: "MF3001",
      severity: "info",
      message: "m",
      fix: "f",
      path: "p",
    });
  });

  it("docs/diagnostics.md is generated from the registry (run `npm run docs:diagnostics`)", () => {
    const onDisk = readFileSync(join(repoRoot, "docs/diagnostics.md"), "utf8");
    expect(onDisk).toBe(diagnosticsMarkdown());
  });
});
