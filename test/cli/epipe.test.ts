import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without type declarations
import { generateFederation } from "../../bench/generate-federation.js";
import { repoRoot } from "../helpers/fixtures.js";

it("stops quietly when the reader of stdout goes away (meshfed render | head)", async () => {
  // Large enough that the output takes many writes, so some land after the pipe closed.
  const file = join(mkdtempSync(join(tmpdir(), "meshfed-epipe-")), "f.yaml");
  writeFileSync(file, generateFederation({ meshes: 10, exports: 400, consumers: 3, seed: 1 }));
  const child = spawn(process.execPath, [join(repoRoot, "bin/meshfed.js"), "render", file, "--mesh", "mesh-000"], { cwd: repoRoot });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(stderr).not.toMatch(/EPIPE|Error/);
  expect(code).toBe(0);
});
