import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";

it("the npm package ships the library, its types and the CLI, and no test tooling, caches or source maps", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
  const files: string[] = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
  expect(files).toContain("dist/index.js");
  expect(files).toContain("dist/index.d.ts");
  expect(files).toContain("dist/cli/main.js");
  expect(files).toContain("dist/bin/main.js");
  expect(files).toContain("bin/meshfed.js");
  const unexpected = files.filter((f) => !/^(dist\/.+\.(js|d\.ts)|bin\/meshfed\.js|package\.json|README\.md|LICENSE)$/.test(f));
  expect(unexpected).toEqual([]);
  expect(files.filter((f) => /differential|tools\/|\.map$|\.cache$|\.wasm$/.test(f))).toEqual([]);
});
